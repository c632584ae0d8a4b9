"""The search engine: corpus in, ranked cited hits out. The only thing the bot needs from retrieval.

A question is scored by two signals over every passage that could answer it: BM25 on analysed words (the
backbone: exact names, numbers, terms; the question's ordinary words also bring their translations into the
corpus's other language, from `bridge`, scored apart), and the cosine between the multilingual encoder's
vectors of the question and the passage, averaged with its best sentence's for the leading candidates
(what words cannot see: paraphrase, the other language where the bridge finds no word). Candidates come
from both: every passage holding a question term or translation, and the passages closest in meaning.
Then `Rule` decides, in two steps:

1. Does the corpus cover the question at all? A logistic model over a few features of the question against
   this corpus (`features`): how many of its words the corpus knows (as written, and in translation) and how
   much of their weight the best passage holds, how much weight lies in words the corpus has never seen (a
   name from another subject), the best cosine and how far it stands above the corpus's mean, whether one
   passage holds both the words and the meaning, and how many candidates are in the other language. The
   meaning alone answers only with a passage at least `meaning_min_cosine` close. Its weights are fitted on a
   calibration split of XQuAD nobody reports on (`calibration`); the threshold favours answering, because a
   refused answerable question costs a user more than a weak answer to an off-topic one.
   The word rule answers too: at least `min_known_share` of the question's words occur in the corpus (a word
   found in translation counts `translated_known` of one) and a
   passage holds `min_coverage` of their idf weight with a cosine of at least `lexical_min_cosine` (the model
   alone misjudges a small corpus about one subject, where every passage is close to an on-topic question).
2. Which passages answer? Those holding at least `min_coverage` of the known question words' weight (not
   counting, for a passage, words only the other language holds in translation), and
   when the meaning answered, the closest passage in meaning; ranked by W / (best W of the question)
   + w × cosine, where W is BM25 plus `translation_weight` × the translations' BM25, and w grows with the
   share of question words that passages of the candidate's language do not hold: where BM25 sees only
   names, the meaning must lead.

Near-identical excerpts (the same sentence reported by two articles) are returned once.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import composed, encoder, indexfile
from .analysis import Analyzer
from .bm25 import BM25Index, Postings, top_k
from .bridge import Bridge, count_terms, word_texts
from .corpus import Corpus, Document, glossary_file, load_corpus
from .excerpt import choose_excerpt
from .passages import Passage, split_document
from .query import MAX_QUESTION_CHARS, Query, parse_query, question_words, translatable_words
from .sentences import SentenceVectors
from .tokens import CYRILLIC_RE

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# Two excerpts whose term sets overlap this much (Jaccard) are the same statement; the lower one is dropped.
NEAR_DUPLICATE = 0.8
# Passages closest in meaning that become candidates even without a shared word.
DENSE_CANDIDATES = 64
# Passages that become candidates through translations alone, the best by their BM25: translations are
# often common words, and in a large corpus thousands of passages hold them (no effect below this size).
TRANSLATED_CANDIDATES = 1000
# Candidates whose best sentence is compared with the question: the closest passages in meaning and the
# best by words, this many of each (the rest keep the passage's cosine; they rank too low to matter).
SENTENCE_CANDIDATES = 32


# Fitted by `python -m retrieval calibrate` on the calibration split (README, "Answer or refuse").
DECISION_WEIGHTS = (-1.948, -3.547, -2.243, 6.046, -4.017, 16.628, -10.005, 0.381, 8.014, 3.95, -7.299, -1.742,
                    10.687, 14.118, -1.804, -12.515)


@dataclass(frozen=True)
class Rule:
    """The answer-or-refuse rule and the fusion weights (see the module docstring)."""

    decision: tuple[float, ...] = DECISION_WEIGHTS  # logistic weights over `features`
    threshold: float = 0.3  # answer when the model's probability that the corpus covers the question is this
    min_known_share: float = 0.6  # or when the word rule holds: this share of the question's words is known,
    lexical_min_cosine: float = 0.2  # and a passage holding `min_coverage` of their weight is this close (or
    # the model agrees: a short question is often far from a long passage that answers it)
    min_coverage: float = 0.5
    meaning_min_cosine: float = 0.25  # the meaning alone never answers with a passage less close than this
    near_best: float = 0.0  # when the meaning answers, passages this close to the best cosine answer too
    weight_known: float = 1.0  # the cosine's weight in the fused score, when every question word is known
    weight_unknown: float = 6.0  # and what it gains as the share of unknown words grows (the other language)
    translation_weight: float = 0.5  # a translated word's BM25, against a word as written
    translated_known: float = 1.0  # how far a word found only in translation counts as known in the word rule


DEFAULT_RULE = Rule()
# Every candidate answers, ranked as usual: for measuring ranking alone, beside the baselines.
RULE_OFF = Rule(threshold=0.0, min_known_share=0.0, min_coverage=0.0)


@dataclass(frozen=True)
class Scored:
    """A question's candidates with both signals, before any rule: what `Rule` decides on."""

    query: Query
    vector: np.ndarray  # the question's unit vector
    russian: bool  # the question is (mostly) in Russian
    other_language: np.ndarray  # per candidate: the passage is not in the question's language
    ids: np.ndarray  # candidate passage ids, ascending
    bm25: np.ndarray  # of the question's words as written
    translated_bm25: np.ndarray  # of their translations (`bridge`)
    cosine: np.ndarray
    coverage: np.ndarray  # share of the known question words' weight the passage holds
    coverage_in_language: np.ndarray  # the same without words only the other language holds (in translation)
    background: float  # the mean cosine over all passages: how close the corpus is to the question anyway
    known_in_language: np.ndarray  # per candidate: share of the question's words (as written or translated)
    # that passages of its language hold

    @property
    def known_share(self) -> float:
        """Share of the question's words the corpus holds, as written or translated."""
        words = self.query.words
        return len(self.query.known_words) / len(words) if words else 0.0

    @property
    def written_share(self) -> float:
        """Share of the question's words the corpus holds as written (the word rule counts a word held only
        in translation as `translated_known` of one)."""
        words = self.query.words
        return sum(word.known_as_written for word in words) / len(words) if words else 0.0


@dataclass(frozen=True)
class Source:
    """An article as a citation shows it (the title is the article's, or its opening words when it has none)."""

    doc_id: str
    title: str
    publisher: str
    date: str
    url: str
    language: str


@dataclass(frozen=True)
class Paragraph:
    """A whole paragraph of an article, for "show the full paragraph"."""

    source: Source
    number: int  # 1-based
    text: str


class Size(NamedTuple):
    articles: int
    passages: int


@dataclass(frozen=True)
class Hit:
    """One answer: a verbatim excerpt with the matched words' spans, and where it comes from."""

    source: Source
    paragraph: int
    passage: str
    excerpt: str
    spans: tuple[tuple[int, int], ...]
    score: float

    @property
    def doc_id(self) -> str:
        return self.source.doc_id

    def as_json(self) -> dict:
        source = self.source
        return {
            "doc_id": source.doc_id, "title": source.title, "publisher": source.publisher, "date": source.date,
            "paragraph": self.paragraph, "passage": self.passage, "excerpt": self.excerpt,
            "spans": [list(span) for span in self.spans], "score": self.score,
        }


class Engine:
    """A loaded corpus with its analyser, BM25 index, passage and sentence vectors; build once, search many
    times."""

    def __init__(self, corpus: Corpus, analyzer: Analyzer, passages: list[Passage], index: BM25Index,
                 vectors: np.ndarray, sentences: SentenceVectors, bridge: Bridge,
                 key: indexfile.IndexKey | None = None):
        self.corpus = corpus
        self.analyzer = analyzer
        self.passages = passages
        self.index = index
        self.vectors = vectors
        self.sentences = sentences
        self.bridge = bridge
        self.key = key  # what the index was made with, when loaded from a folder: lets the next load reuse it
        self._russian = np.array([corpus.documents[p.doc].language == "ru" for p in passages], dtype=bool)
        self._term_languages = _term_languages(index.postings, self._russian)

    @classmethod
    def build(cls, corpus: Corpus, analyzer: Analyzer | None = None, reuse: indexfile.SavedIndex | None = None,
              key: indexfile.IndexKey | None = None) -> "Engine":
        """Analyse, index and encode `corpus`; articles whose digest `reuse` holds take its passages and
        vectors (and its term counts, when they were made with this glossary) instead of being redone, and
        the words `reuse`'s bridge has encoded are not encoded again."""
        analyzer = analyzer or Analyzer(corpus.glossary)
        saved = {a.digest: a for a in reuse.articles} if reuse else {}
        passages: list[Passage] = []
        old: list[int] = []  # per passage: its id in `reuse`, or -1 when it is new
        for number, doc in enumerate(corpus.documents):
            article = saved.pop(doc.digest, None) if doc.digest else None  # a digest reused once: ids stay unique
            if article is None:
                fresh = split_document(number, doc.paragraphs)
                passages += fresh
                old += [-1] * len(fresh)
            else:
                passages += [Passage(number, reuse.passages[i].paragraph, reuse.passages[i].text,
                                     reuse.passages[i].start) for i in article.passages]
                old += article.passages
        old_ids = np.array(old, dtype=np.int64)
        kept, new = np.flatnonzero(old_ids >= 0), np.flatnonzero(old_ids < 0)
        vectors = np.empty((len(passages), encoder.DIMENSIONS), dtype=np.float32)
        if len(kept):
            vectors[kept] = reuse.vectors[old_ids[kept]]
        vectors[new], fresh_sentences = encode_passages([passages[i].text for i in new])
        if reuse is not None:  # each passage's sentences, from the saved index or the new ones after them
            in_both = old_ids.copy()
            in_both[new] = reuse.sentences.passages + np.arange(len(new))
            sentences = SentenceVectors.join([reuse.sentences, fresh_sentences]).select(in_both)
        else:
            sentences = fresh_sentences
        if reuse and reuse.index is not None:
            terms, words = count_terms([passages[i].text for i in new], analyzer)
            counted = Postings.count(terms)
            renamed = np.full(reuse.index.corpus_size, -1, dtype=np.int64)  # old passage id → new, or -1
            renamed[old_ids[kept]] = kept
            postings = Postings.combine([(reuse.index.postings.terms, renamed, *reuse.index.postings.triples()),
                                         (counted.terms, new, *counted.triples())], len(passages))
            words |= dict(zip(reuse.bridge.terms, reuse.bridge.words))  # a known term keeps its word
        else:
            terms, words = count_terms([p.text for p in passages], analyzer)
            postings = Postings.count(terms)
        vocabulary = frozenset(postings.terms)
        bridge = Bridge.build({term: word for term, word in words.items() if term in vocabulary},
                              reuse.bridge if reuse else None)
        return cls(corpus, analyzer, passages, BM25Index(postings), vectors, sentences, bridge, key)

    @classmethod
    def load(cls, root: Path | str = DEFAULT_CORPUS, saved_index: bool = True,
             previous: "Engine | None" = None) -> "Engine":
        """Load the corpus folder `root` (raises CorpusError naming file and line when it is broken).

        With `saved_index`, what `root/.search-index.npz` holds for articles that have not changed is
        reused (see `indexfile`), and the index is saved there again when anything changed. `previous`,
        an engine loaded from this folder before, is reused the same way without reading the file: a reload
        with nothing changed costs reading the manifest and hashing the articles.
        """
        root = Path(root)
        if not saved_index:
            return cls.build(load_corpus(root))
        key = indexfile.index_key(glossary_file(root))
        path = root / indexfile.INDEX_FILE
        reuse = previous.snapshot() if previous is not None and previous.key is not None \
            and previous.key.passages == key.passages else indexfile.load(path, key)
        if reuse is not None and reuse.key.terms != key.terms:
            reuse = dataclasses.replace(reuse, index=None, glossary=None)
        corpus = load_corpus(root, {a.digest: a.article for a in reuse.articles} if reuse else None)
        if reuse is not None and reuse.index is not None and reuse.digests == corpus.digests:
            encoder.warm_up()
            return cls(corpus, Analyzer(reuse.glossary), reuse.passages, reuse.index, reuse.vectors, reuse.sentences,
                       reuse.bridge, key)
        analyzer = Analyzer(reuse.glossary) if reuse is not None and reuse.glossary is not None else None
        engine = cls.build(corpus, analyzer, reuse, key)
        indexfile.save(path, engine.snapshot())
        return engine

    def snapshot(self) -> indexfile.SavedIndex:
        """What this engine holds, in the saved index's terms (for saving, or for the next load to reuse)."""
        articles, passage = [], 0
        for number, doc in enumerate(self.documents):
            first = passage
            while passage < len(self.passages) and self.passages[passage].doc == number:
                passage += 1
            articles.append(indexfile.SavedArticle(doc.digest, doc.article, range(first, passage)))
        return indexfile.SavedIndex(self.key, tuple(articles), self.passages, self.vectors, self.sentences,
                                    self.index, self.analyzer.glossary, self.bridge)

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def parse(self, question: str) -> Query:
        """The question analysed, its ordinary words translated through the bridge (the question itself is
        not encoded: nothing here needs its vector)."""
        words, written = self._translatable(question)
        return self._parse(question, words, written, encoder.encode(word_texts(written)))

    def _translatable(self, question: str) -> tuple[dict, list[str]]:
        """The question's words, and those the bridge can translate into this corpus's other language."""
        words = question_words(question, self.analyzer)
        return words, self.bridge.translatable(translatable_words(question, words))

    def _parse(self, question: str, words: dict, written: list[str], word_vectors: np.ndarray) -> Query:
        return parse_query(question, words, self.index.doc_freq, self.index.corpus_size,
                           self.bridge.translate(written, word_vectors))

    def _languages(self, query: Query) -> np.ndarray:
        """Per question word: [whether English passages hold it, whether Russian ones do], a word counting
        as held when any of its terms or translations is."""
        held = np.zeros((len(query.words), 2), dtype=bool)
        for i, word in enumerate(query.words):
            rows = [row for row in map(self.index.vocabulary.get, word.terms) if row is not None]
            held[i] = self._term_languages[rows].any(axis=0)
        return held

    def _coverage(self, query: Query, candidates: np.ndarray, languages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate passage, the share of the known question words' weight it contains; and the
        same leaving out of its total the words known only in translation that no passage of its language
        holds (such a word, an uncertain translation like "how long" → "долгосрочный", cannot be missing
        from a passage of that language: what chooses the passages shown, not whether to answer)."""
        covered = np.zeros(len(candidates))
        held = np.zeros(self.index.corpus_size, dtype=bool)  # a mask: a common word's postings are long
        for word in query.words:
            held[:] = False
            for term in word.terms:
                held[self.index.postings_of(term)] = True
            covered += word.weight * held[candidates]
        weights = np.array([word.weight for word in query.words])
        known = np.array([word.known for word in query.words], dtype=bool)
        written = np.array([word.known_as_written for word in query.words], dtype=bool)
        total = weights @ known if len(weights) else 0.0
        in_language = (weights @ (languages | written[:, None]) if len(weights) else np.zeros(2))
        in_language = in_language[self._russian[candidates].astype(int)]
        return (covered / total if total > 0 else covered,
                np.divide(covered, in_language, out=np.zeros(len(candidates)), where=in_language > 0))

    def score(self, question: str, vector: np.ndarray | None = None) -> Scored:
        """Both signals for every candidate of `question`: the passages holding one of its terms, and the
        DENSE_CANDIDATES closest in meaning. `vector` is the question's, when already encoded."""
        words, written = self._translatable(question)
        if vector is None:  # the question and its words in one call: a call costs more than a few words
            vector, word_vectors = encode_question(question, word_texts(written))
        else:
            word_vectors = encoder.encode(word_texts(written))
        query = self._parse(question, words, written, word_vectors)
        cosine = self.vectors @ vector
        lexical = self.index.candidate_scores(list(query.terms))
        translated = self.index.candidate_scores(list(query.translated))
        if len(translated[0]) > TRANSLATED_CANDIDATES:
            best = np.sort(np.argpartition(-translated[1], TRANSLATED_CANDIDATES)[:TRANSLATED_CANDIDATES])
            translated = translated[0][best], translated[1][best]
        nearest = np.argpartition(-cosine, DENSE_CANDIDATES)[:DENSE_CANDIDATES] \
            if len(cosine) > DENSE_CANDIDATES else np.arange(len(cosine))
        ids = np.union1d(np.union1d(lexical[0], translated[0]), nearest).astype(np.int32)
        bm25, translated_bm25 = np.zeros(len(ids)), np.zeros(len(ids))
        bm25[np.searchsorted(ids, lexical[0])] = lexical[1]
        translated_bm25[np.searchsorted(ids, translated[0])] = translated[1]
        candidate_cosine = self._with_best_sentence(ids, cosine[ids], bm25 + translated_bm25, vector)
        russian = _is_russian(question)
        languages = self._languages(query)
        known_in_language = languages.mean(axis=0) if len(languages) else np.zeros(2)
        return Scored(query, vector, russian, self._russian[ids] != russian, ids, bm25, translated_bm25,
                      candidate_cosine, *self._coverage(query, ids, languages),
                      float(cosine.mean()) if len(cosine) else 0.0, known_in_language[self._russian[ids].astype(int)])

    def _with_best_sentence(self, ids: np.ndarray, cosine: np.ndarray, words: np.ndarray,
                            vector: np.ndarray) -> np.ndarray:
        """The candidates' cosines, each of the SENTENCE_CANDIDATES closest and best by words averaged with
        its best sentence's: an answer is one sentence of a longer passage, and a question's words and meaning
        gather there."""
        if len(ids) > 2 * SENTENCE_CANDIDATES:
            focus = np.union1d(np.argpartition(-cosine, SENTENCE_CANDIDATES)[:SENTENCE_CANDIDATES],
                               np.argpartition(-words, SENTENCE_CANDIDATES)[:SENTENCE_CANDIDATES])
        else:
            focus = np.arange(len(ids))
        cosine = cosine.copy()
        cosine[focus] = (cosine[focus] + self.sentences.best_cosine(ids[focus].astype(np.int64), vector)) / 2
        return cosine

    def search(self, question: str, k: int = 3, rule: Rule = DEFAULT_RULE) -> list[Hit]:
        """Up to k hits for `question`, best first; no hits when the corpus does not answer it. A passage
        that repeats a quote already shown, or whose excerpt is near-identical to one (term-set Jaccard
        ≥ NEAR_DUPLICATE: the same statement in two articles), is passed over."""
        scored = self.score(question)
        hits: list[Hit] = []
        shown_terms: list[frozenset[str]] = []
        for passage_id, score in decide(scored, rule).best_first(batch=4 * k + 8):
            if len(hits) == k:
                break
            passage = self.passages[passage_id]
            if any(hit.excerpt in passage.text for hit in hits):
                continue  # before the costly analysis
            excerpt = choose_excerpt(passage.text, self.analyzer.analyze(passage.text), scored.query,
                                     self.sentences.cosines(passage_id, scored.vector))
            if any(_jaccard(excerpt.terms, other) >= NEAR_DUPLICATE for other in shown_terms):
                continue
            shown_terms.append(excerpt.terms)
            source = self._sources[self.corpus.documents[passage.doc].id][0]
            hits.append(Hit(source, passage.paragraph, passage.text, excerpt.text, excerpt.spans, score))
        return hits

    @cached_property
    def _sources(self) -> dict[str, tuple[Source, Document]]:
        return {doc.id: (Source(doc.id, doc.display_title, doc.publisher, doc.date, doc.url, doc.language), doc)
                for doc in self.corpus.documents}

    def sources(self) -> tuple[Source, ...]:
        """Every article of the corpus, in the manifest's order."""
        return tuple(source for source, _ in self._sources.values())

    @property
    def size(self) -> Size:
        return Size(len(self.corpus.documents), len(self.passages))

    def paragraph(self, doc_id: str, number: int) -> Paragraph | None:
        """Paragraph `number` (1-based) of article `doc_id` with its source, or None if there is none."""
        found = self._sources.get(doc_id)
        if found is None or not 1 <= number <= len(found[1].paragraphs):
            return None
        return Paragraph(found[0], number, found[1].paragraphs[number - 1])


def features(scored: Scored) -> np.ndarray:
    """What the decision sees of a question against a corpus; every value is relative to this corpus. Besides
    the best coverage and the best cosine, two say whether one passage holds both: the best product of the
    two, and the best cosine among passages holding `min_coverage` of the words (an off-topic question
    meets its words in one passage and its nearest meaning in another)."""
    if not len(scored.ids):
        return np.zeros(len(DECISION_WEIGHTS))
    words = scored.query.words
    total = sum(w.weight for w in words) or 1.0
    unknown = sum(w.weight for w in words if not w.known) / total  # weight the corpus has never seen
    known, written = scored.known_share, scored.written_share
    coverage = float(scored.coverage.max())
    top = float(scored.cosine.max())
    closer = top - scored.background
    other = float(scored.other_language.mean())
    holding = scored.coverage >= DEFAULT_RULE.min_coverage - 1e-12
    covered_cosine = float(scored.cosine[holding].max()) if holding.any() else 0.0
    return np.array([1.0, known, coverage, known * coverage, unknown, top, closer, other, other * closer,
                     (1 - other) * coverage, (1 - other) * unknown, known - written,
                     float((scored.coverage * scored.cosine).max()), covered_cosine, written,
                     covered_cosine - scored.background])


def covered(scored: Scored, rule: Rule = DEFAULT_RULE) -> float:
    """The decision model's probability that the corpus covers the question."""
    return float(1 / (1 + np.exp(-np.clip(features(scored) @ np.array(rule.decision), -50, 50))))


class Answers(NamedTuple):
    """The passages that answer a question under a rule, with their fused scores, unordered."""

    ids: np.ndarray
    scores: np.ndarray

    def ranked(self) -> np.ndarray:
        """All the ids, best first (ties to the lower id)."""
        return self.ids[np.lexsort((self.ids, -self.scores))]

    def best_first(self, batch: int):
        """(id, score) pairs, best first, sorting only as many as are asked for: the first `batch` by a
        partial sort, then four times more each time the caller wants more (near-duplicates use some up)."""
        done = 0
        while done < len(self.ids):
            ranked = top_k(self.ids, self.scores, batch)
            yield from ranked[done:]
            done, batch = len(ranked), batch * 4


def decide(scored: Scored, rule: Rule = DEFAULT_RULE) -> Answers:
    """The candidates that answer under `rule`; none when the corpus does not cover the question."""
    if not len(scored.ids):
        return Answers(scored.ids, np.empty(0))
    share = scored.written_share + rule.translated_known * (scored.known_share - scored.written_share)
    words_known = bool(scored.query.words) and share >= rule.min_known_share - 1e-12
    lexical = words_known & (scored.coverage >= rule.min_coverage - 1e-12)
    by_meaning = bool(scored.vector.any()) and covered(scored, rule) >= rule.threshold
    by_words = bool((lexical & (by_meaning | (scored.cosine >= rule.lexical_min_cosine))).any())
    if not (by_words or by_meaning and scored.cosine.max() >= rule.meaning_min_cosine):
        return Answers(scored.ids[:0], np.empty(0))
    # the passages holding the words, and when the meaning answers, the closest in meaning too
    holding = words_known & (scored.coverage_in_language >= rule.min_coverage - 1e-12)
    answers = holding | (by_meaning & (scored.cosine >= scored.cosine.max() - rule.near_best))
    words = scored.bm25 + rule.translation_weight * scored.translated_bm25
    best = words.max()
    weight = rule.weight_known + rule.weight_unknown * (1 - scored.known_in_language) ** 2
    fused = (words / best if best > 0 else words) + weight * scored.cosine
    return Answers(scored.ids[answers], fused[answers])


def encode_question(question: str, words: list[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The question's unit vector (of what the engine reads of it; zeros for a question with no text) and
    those of `words`, in one encoder call."""
    question = question[:MAX_QUESTION_CHARS]
    texts = ([question] if question.strip() else []) + list(words)
    vectors = encoder.encode(texts)
    if not question.strip():
        return np.zeros(encoder.DIMENSIONS, dtype=np.float32), vectors
    return vectors[0], vectors[1:]


def _term_languages(postings: Postings, russian: np.ndarray) -> np.ndarray:
    """Per term: [whether English passages hold it, whether Russian passages do]."""
    if not len(postings.terms):
        return np.zeros((0, 2), dtype=bool)
    in_russian = np.add.reduceat(russian[postings.doc_ids].astype(np.int64), postings.indptr[:-1])
    return np.stack([in_russian < np.diff(postings.indptr), in_russian > 0], axis=1)


def _is_russian(text: str) -> bool:
    """Whether most letters of `text` are Cyrillic."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if CYRILLIC_RE.match(c)) * 2 > len(letters)


def encode_passages(texts: list[str], batch: int = 256) -> tuple[np.ndarray, SentenceVectors]:
    """The passages' unit vectors as the saved index holds them (int8 precision, so a fresh build and a
    loaded index rank alike), and their sentences' (`composed`: one encoder pass gives both), with a
    progress line on a terminal (a large corpus takes minutes)."""
    vectors = np.empty((len(texts), encoder.DIMENSIONS), dtype=np.float32)
    sentences = [SentenceVectors.empty()]
    show = sys.stderr.isatty() and len(texts) > 2 * batch
    for start in range(0, len(texts), batch):
        vectors[start:start + batch], sentence_vectors, counts = composed.encode_passages(texts[start:start + batch])
        sentences.append(SentenceVectors.of(sentence_vectors, counts))
        if show:
            print(f"\rencoding passages: {min(start + batch, len(texts))}/{len(texts)}", end="", file=sys.stderr,
                  flush=True)
    if show:
        print(file=sys.stderr)
    return encoder.as_saved(vectors), SentenceVectors.join(sentences)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
