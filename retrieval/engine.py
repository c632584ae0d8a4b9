"""The search engine: corpus in, ranked cited hits out. The only thing the bot needs from retrieval.

A question is scored by two signals over every passage that could answer it: BM25 on analysed words (the
backbone: exact names, numbers, terms; the question's ordinary words also bring their translations into the
corpus's other language, from `bridge`, scored apart), and the cosine between the multilingual encoder's
vectors of the question and the passage, averaged with its best sentence's for the leading candidates
(what words cannot see: paraphrase, the other language where the bridge finds no word). Candidates come
from both: every passage holding a question term or translation, and the passages closest in meaning.
Then `decision` answers or refuses, and ranks the passages that answer.

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

from .index import composed, encoder, indexfile
from .text.analysis import Analyzer
from .index.bm25 import BM25Index, Postings
from .index.bridge import Bridge, count_terms, word_texts
from .corpus import Corpus, Document, glossary_file, load_corpus
from .decision import DEFAULT_RULE, Rule, Scored, Sentences, decide, word_scores
from .excerpt import choose_excerpt, gathered_weight
from .index.nearest import Nearest
from .text.passages import Passage, split_document
from .query import MAX_QUESTION_CHARS, Query, parse_query, question_words, translatable_words
from .index.sentences import SentenceVectors
from .text.tokens import CYRILLIC_RE

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
# Candidates best by words whose sentences are read for the decision (`decision.Sentences`); their analysis
# serves the excerpt too.
WORD_FOCUS = 3
# A question word one of those candidates lacks counts in part when its closest word there is closer than
# this (the encoder's cosine of single words; nothing at the floor, all at 1): "plant" in a passage saying
# "factory" (0.68), "утраченным" in one saying "потерянный" (0.74). Unrelated words reach 0.3–0.4; chosen
# among 0.3, 0.4 and 0.5 on the calibration split (README, "Answer or refuse").
NEAR_FLOOR = 0.4


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
        self.nearest = Nearest(vectors)
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
        encoder.warm_up()  # the weights load while the index is read: a question waits for neither
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
    def vectors(self) -> np.ndarray:
        """The passages' unit vectors (held by `nearest`, which searches them)."""
        return self.nearest.vectors

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def parse(self, question: str) -> Query:
        """The question analysed, its ordinary words translated through the bridge (the question itself is
        not encoded: nothing here needs its vector)."""
        words, written = self._translatable(question)
        return self._parse(question, words, written, encoder.encode(word_texts(written)))

    def _translatable(self, question: str) -> tuple[dict, dict[str, str]]:
        """The question's words, and those the bridge can translate (as written → their terms): into this
        corpus's other language, or into other words of its own when the corpus does not hold them."""
        words = question_words(question, self.analyzer)
        return words, self.bridge.translatable(translatable_words(question, words))

    def _parse(self, question: str, words: dict, written: dict[str, str], word_vectors: np.ndarray) -> Query:
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
        word_vector = dict(zip(written.values(), word_vectors))
        lexical = self.index.candidate_scores(list(query.terms))
        translated = self.index.candidate_scores(list(query.translated))
        if len(translated[0]) > TRANSLATED_CANDIDATES:
            best = np.sort(np.argpartition(-translated[1], TRANSLATED_CANDIDATES)[:TRANSLATED_CANDIDATES])
            translated = translated[0][best], translated[1][best]
        nearest = self.nearest.closest(vector, DENSE_CANDIDATES)
        ids = np.union1d(np.union1d(lexical[0], translated[0]), nearest).astype(np.int32)
        bm25, translated_bm25 = np.zeros(len(ids)), np.zeros(len(ids))
        bm25[np.searchsorted(ids, lexical[0])] = lexical[1]
        translated_bm25[np.searchsorted(ids, translated[0])] = translated[1]
        words = word_scores(bm25, translated_bm25)
        candidate_cosine = self._with_best_sentence(ids, self.nearest.cosines(ids, vector), words, vector)
        russian = _is_russian(question)
        languages = self._languages(query)
        known_in_language = languages.mean(axis=0) if len(languages) else np.zeros(2)
        return Scored(query, vector, russian, self._russian[ids] != russian, ids, bm25, translated_bm25,
                      candidate_cosine, *self._coverage(query, ids, languages),
                      self.nearest.background(vector), known_in_language[self._russian[ids].astype(int)],
                      self._read_sentences(query, ids[_leading(words, candidate_cosine, WORD_FOCUS)], vector,
                                           word_vector))

    def _read_sentences(self, query: Query, leading: np.ndarray, vector: np.ndarray,
                        word_vector: dict[str, np.ndarray]) -> Sentences:
        """What the sentences of the `leading` candidates (best by words, then by meaning) say of the
        question, for the decision; `word_vector` holds the vectors of its translatable words, by term."""
        one = two = closest = near = 0.0
        tokens = {}
        for passage_id in map(int, leading):
            text = self.passages[passage_id].text
            tokens[passage_id] = self.analyzer.analyze(text)
            gathered = gathered_weight(text, tokens[passage_id], query)
            one, two = max(one, gathered[0]), max(two, gathered[1])
            closest = max(closest, float(self.sentences.cosines(passage_id, vector).max()))
            near = max(near, self._near_weight(query, tokens[passage_id], word_vector))
        return Sentences(one, two, closest, near, tokens)

    def _near_weight(self, query: Query, tokens: list, word_vector: dict[str, np.ndarray]) -> float:
        """The question words' weight a passage (its analysed `tokens`) holds, a word it lacks counting by
        how close its closest word there is (from nothing at NEAR_FLOOR to all at 1)."""
        terms = {term for token in tokens for term in token.terms}
        held, lacking = 0.0, []
        for word in query.words:
            if word.terms & terms:
                held += word.weight
            elif (vector := next((word_vector[t] for t in word.terms if t in word_vector), None)) is not None:
                lacking.append((word.weight, vector))
        if lacking:
            closeness = self.bridge.closeness(np.array([v for _, v in lacking]), terms)
            share = np.clip((closeness - NEAR_FLOOR) / (1 - NEAR_FLOOR), 0, 1)
            held += float(np.array([w for w, _ in lacking]) @ share)
        return held

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
            tokens = scored.sentences.tokens.get(passage_id)
            if tokens is None:
                tokens = self.analyzer.analyze(passage.text)
            excerpt = choose_excerpt(passage.text, tokens, scored.query, self.sentences.cosines(passage_id, scored.vector))
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


def encode_question(question: str, words: list[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The question's unit vector (of what the engine reads of it; zeros for a question with no text) and
    those of `words`, in one encoder call."""
    question = question[:MAX_QUESTION_CHARS]
    texts = ([question] if question.strip() else []) + list(words)
    vectors = encoder.encode(texts)
    if not question.strip():
        return np.zeros(encoder.DIMENSIONS, dtype=np.float32), vectors
    return vectors[0], vectors[1:]


def _leading(words: np.ndarray, cosine: np.ndarray, count: int) -> np.ndarray:
    """The `count` best candidates by words, ties (as among the many with none) to the closer in meaning; a
    partial sort first, because a large corpus has thousands of candidates."""
    pool = np.arange(len(words))
    if len(words) > count:
        pool = np.flatnonzero(words >= words[np.argpartition(-words, count - 1)[count - 1]])
    return pool[np.lexsort((-cosine[pool], -words[pool]))[:count]]


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
