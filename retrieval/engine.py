"""The search engine, a facade over the rest of retrieval: corpus in, ranked cited hits out. The only thing
the bot needs from retrieval: `load` a corpus folder, `search` it, show a `paragraph` or the `sources`.

`building` makes what a search reads (reusing the saved index), `scoring` scores a question's candidates on
words and meaning, `decision` answers or refuses and ranks the passages that answer, and `excerpt` chooses
what of each passage is shown. Near-identical excerpts (the same sentence reported by two articles) are
returned once.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

import numpy as np

from . import building
from .corpus import Corpus, Document, glossary_file, load_corpus
from .decision import DEFAULT_RULE, Rule, decide
from . import asking, followup
from .excerpt import Excerpt, choose_excerpt
from .index import encoder, indexfile
from .index.bm25 import BM25Index
from .index.bridge import Bridge
from .index.nearest import Nearest
from .index.sentences import SentenceVectors
from .query import MAX_QUESTION_CHARS, Query, last_sentence_start
from .scoring import Scored, Scorer
from .text.analysis import Analyzer
from .text.spelling import Speller, reads_as_written
from .text.passages import Passage

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

HITS = 3  # hits a search returns unless asked for another number
# Which of the first hits leads (`_leading_excerpt`; chosen on the typed questions' tune part within 0.01 of
# XQuAD's calibration split through `search`, docs/decisions.md): of the first LEADING, ranked at least CLOSE
# of the first's score, the one whose excerpt holds the most of the question's weight (`choosing_weight`), KIND_LEADS
# of the best more when it holds the kind of answer asked; unless the first's excerpt holds GENERIC of that already.
LEADING = 3
CLOSE = 0.55
KIND_LEADS = 0.5
GENERIC = 0.8
# And, for a how-many question, COUNTED_LEADS of the best weight more when a number stands just before one of
# the question's words ("1,000 companies from 35 countries" over "$387 million" for "сколько компаний и стран"):
# typed tune part first 0.708 -> 0.719 at 0.5 and 1.0 (0.25: no change); XQuAD calibration hit@1 en → ru 0.748
# -> 0.745.
COUNTED_LEADS = 0.5
# Two excerpts whose term sets overlap this much (Jaccard) are the same statement; the lower one is dropped.
NEAR_DUPLICATE = 0.8


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
        russian = np.array([corpus.documents[p.doc].language == "ru" for p in passages], dtype=bool)
        self.scorer = Scorer(analyzer=analyzer, texts=[p.text for p in passages], russian=russian, index=index,
                             nearest=self.nearest, sentences=sentences, bridge=bridge)
        self._speller: Speller | None = None
        self._speller_lock = threading.Lock()

    @classmethod
    def build(cls, corpus: Corpus, analyzer: Analyzer | None = None, reuse: indexfile.SavedIndex | None = None,
              key: indexfile.IndexKey | None = None) -> "Engine":
        """Analyse, index and encode `corpus`, reusing what `reuse` holds for unchanged articles (`building`)."""
        return cls(corpus, **building.build(corpus, analyzer, reuse)._asdict(), key=key)

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
            return cls(corpus, analyzer=Analyzer(reuse.glossary), passages=reuse.passages, index=reuse.index,
                       vectors=reuse.vectors, sentences=reuse.sentences, bridge=reuse.bridge, key=key)
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
        return indexfile.SavedIndex(key=self.key, articles=tuple(articles), passages=self.passages,
                                    vectors=self.vectors, sentences=self.sentences, index=self.index,
                                    glossary=self.analyzer.glossary, bridge=self.bridge)

    @property
    def vectors(self) -> np.ndarray:
        """The passages' unit vectors (held by `nearest`, which searches them)."""
        return self.nearest.vectors

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def parse(self, question: str) -> Query:
        """The question as the engine reads it (`scoring`)."""
        return self.scorer.parse(question)

    def score(self, question: str, vector: np.ndarray | None = None,
              encoded_words: Mapping[str, np.ndarray] | None = None) -> Scored:
        """Both signals for every candidate of `question` as written, before any rule (`scoring`; `search`
        scores it as `understood`); `vector` is the question's and `encoded_words` its words', when already
        encoded."""
        return self.scorer.score(question, vector, encoded_words)

    def search(self, question: str, k: int = HITS, rule: Rule = DEFAULT_RULE) -> list[Hit]:
        """Up to k hits for `question`, best first; no hits when the corpus does not answer it. A passage
        that repeats a quote already shown, or whose excerpt is near-identical to one (term-set Jaccard
        ≥ NEAR_DUPLICATE: the same statement in two articles), is passed over."""
        question = self.understood(question)
        if self._russian_articles and asking.unknown_name(question, self.analyzer, self.index.vocabulary) \
                or asking.unknown_year(question, self.index.vocabulary, self._dated_years) \
                or asking.unknown_speaker(question, self._holds_word):
            return []  # a near miss: the question is about a name, a year or a speaker the corpus never mentions
        asked = asking.kind(question)
        scored = self.score(asking.searched(question) if asked == "quote" else question)
        wanted = partial(asking.holds, asked) if asked else None  # what the excerpt should hold, when asked
        hits: list[Hit] = []
        shown_terms: list[frozenset[str]] = []
        shown_ids: list[int] = []
        for passage_id, score in decide(scored, rule).best_first(batch=4 * k + 8):
            if len(hits) == max(k, LEADING):
                break
            if any(hit.excerpt in self.passages[passage_id].text for hit in hits):
                continue  # before the costly analysis
            excerpt = self._excerpt(passage_id, scored, wanted)
            if any(_jaccard(excerpt.terms, other) >= NEAR_DUPLICATE for other in shown_terms):
                continue
            shown_terms.append(excerpt.terms)
            shown_ids.append(passage_id)
            hits.append(self._hit(passage_id, excerpt, score))
        if asked in asking.MUST_HOLD and not any(wanted(hit.passage) for hit in hits[:LEADING]):
            return []  # a near miss: "сколько стоит самолёт" of articles that give no price
        if not hits:
            return []
        lead = _leading_excerpt(hits[:LEADING], shown_terms, scored.query, wanted, counting=asked == "number")
        for shown in (hits, shown_terms, shown_ids):
            shown.insert(0, shown.pop(lead))
        said = self._said_next(shown_ids[0], scored.query) if asked == "quote" else None
        if said is not None:  # what the speaker the first hit names said, first; the naming passage second
            excerpt = self._excerpt(said, scored, wanted)
            if wanted(excerpt.text):
                return self._first([self._hit(said, excerpt, hits[0].score)] + hits, [excerpt.terms] + shown_terms,
                                   said)[:k]
        completing = self._completing(shown_ids[0], scored.query) if k > 1 else None
        if completing is not None:
            excerpt = self._excerpt(completing, scored, wanted)
            hits = [hits[0]] + self._first([self._hit(completing, excerpt, hits[0].score)] + hits[1:],
                                           [excerpt.terms] + shown_terms[1:], completing)
        return hits[:k]

    def _first(self, hits: list[Hit], terms: list[frozenset[str]], passage_id: int) -> list[Hit]:
        """`hits` with the first (passage `passage_id`, excerpt `terms`) kept and the rest stating the same
        dropped: excerpts inside its passage, or near-identical to its excerpt."""
        passage = self.passages[passage_id].text
        return hits[:1] + [hit for hit, other in zip(hits[1:], terms[1:])
                           if hit.excerpt not in passage and _jaccard(terms[0], other) < NEAR_DUPLICATE]

    def _excerpt(self, passage_id: int, scored: Scored, wanted: Callable[[str], bool] | None) -> Excerpt:
        return choose_excerpt(self.passages[passage_id].text, self.scorer.tokens(passage_id), scored.query,
                              self.sentences.cosines(passage_id, scored.vector), wanted)

    def _hit(self, passage_id: int, excerpt: Excerpt, score: float) -> Hit:
        passage = self.passages[passage_id]
        return Hit(source=self._sources[self.corpus.documents[passage.doc].id][0], paragraph=passage.paragraph,
                   passage=passage.text, excerpt=excerpt.text, spans=excerpt.spans, score=score)

    def _completing(self, leader: int, query: Query) -> int | None:
        """The passage of the first hit's article holding the most of the question's weight that the first
        hit's passage does not, or None. A news article names its subject once: for "what did Yefimov and
        Alikhanov discuss" the paragraph naming both leads, and "The parties discussed …", two paragraphs on,
        holds the answer. It is shown second (typed questions, tune part: the answer among the shown 0.764 ->
        0.809, the first unchanged); put first, it took the place of right answers more often than of wrong
        ones (first 0.697 -> 0.629–0.697)."""
        article = self._article_passages[self.passages[leader].doc]
        held = self.scorer.holding(query, article)  # from the postings: no passage analysed
        weights = np.array([word.weight for word in query.words])
        gain = weights @ (held & ~held[:, [int(np.flatnonzero(article == leader)[0])]])
        best = int(np.argmax(gain))
        return int(article[best]) if gain[best] > 0 else None

    def _said_next(self, leader: int, query: Query) -> int | None:
        """For "what did X say": when the paragraph of the first hit quotes nobody and ends with X as its
        subject (`asking.names_the_speaker`), the first passage of the next paragraph of its article that
        quotes, or None. A news article names the speaker, then quotes in the next paragraph ("… Kuivashev
        congratulated Lukashenko …" then "“You are real friends for us …,” the governor said"). Typed
        questions, tune part: first excerpt 0.742 -> 0.764; XQuAD unchanged, with a paragraph or a whole
        article a document."""
        quotes = partial(asking.holds, "quote")
        passage = self.passages[leader]
        pronoun = followup.points_back(query.text[last_sentence_start(query.text):])  # "and what did he say?"
        paragraphs = self.corpus.documents[passage.doc].paragraphs
        if passage.paragraph >= len(paragraphs) or quotes(paragraphs[passage.paragraph - 1]) \
                or not asking.names_the_speaker(paragraphs[passage.paragraph - 1], query, self.analyzer, pronoun):
            return None
        return next((int(i) for i in self._article_passages[passage.doc]
                     if self.passages[i].paragraph == passage.paragraph + 1 and quotes(self.passages[i].text)), None)

    def follows_on(self, question: str) -> bool:
        """Whether `question` is a follow-up naming no subject of its own, to be read after the question
        before it (`followup`)."""
        return followup.is_follow_up(question, self.analyzer)

    @staticmethod
    def read_after(previous: str, question: str) -> str:
        """A follow-up as the search reads it: after the question it follows."""
        return followup.read_after(previous, question)

    @cached_property
    def _article_passages(self) -> dict[int, np.ndarray]:
        """Each document's passage ids, ascending."""
        passages: dict[int, list[int]] = {}
        for passage_id, passage in enumerate(self.passages):
            passages.setdefault(passage.doc, []).append(passage_id)
        return {doc: np.array(ids) for doc, ids in passages.items()}

    @cached_property
    def _dated_years(self) -> frozenset[str]:
        return frozenset(doc.date[:4] for doc in self.corpus.documents if doc.date)

    @cached_property
    def _russian_articles(self) -> bool:
        return any(doc.language == "ru" for doc in self.corpus.documents)

    def understood(self, question: str) -> str:
        """`question` as the search reads it: its spelling slips and words typed in the wrong script read as
        the corpus words meant (`spelling`)."""
        question = question[:MAX_QUESTION_CHARS]
        return question if reads_as_written(question, self._holds_word) else self._spelling().read(question)

    def prepare(self) -> None:
        """Make, in a background thread, what the first question would otherwise wait for (the speller, with
        pymorphy3's dictionary and the English word list it reads: about 0.4 s), so a start or reload answers
        at once."""
        threading.Thread(target=self._spelling, name="speller", daemon=True).start()

    def _spelling(self) -> Speller:
        with self._speller_lock:  # one build, even when a question arrives while `prepare` is building
            if self._speller is None:
                self._speller = Speller((passage.text for passage in self.passages), self._holds_word)
            return self._speller

    def _holds_word(self, word: str) -> bool:
        """Whether the corpus holds `word` in some form (a term of it is in the index)."""
        vocabulary = self.index.vocabulary
        return any(term in vocabulary for token in self.analyzer.analyze_question(word) for term in token.terms)

    @cached_property
    def _sources(self) -> dict[str, tuple[Source, Document]]:
        return {doc.id: (Source(doc_id=doc.id, title=doc.display_title, publisher=doc.publisher, date=doc.date,
                                url=doc.url, language=doc.language), doc)
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


def _leading_excerpt(hits: list[Hit], terms: list[frozenset[str]], query: Query,
                     wanted: Callable[[str], bool] | None, counting: bool = False) -> int:
    """Which of the leading `hits` (their excerpts' `terms`) goes first; `wanted` tells an excerpt holding the
    kind of answer asked (None: no kind is asked). The passage's rank alone let a sentence holding only the
    question's common words lead one that answers, and a sentence with no number lead one with the number
    asked for (typed questions, tune part: first excerpt answers 0.584 -> 0.640)."""
    eligible = [i for i, hit in enumerate(hits) if i == 0 or hit.score >= CLOSE * hits[0].score]
    held = {i: sum(word.choosing_weight for word in query.words if word.terms & terms[i]) for i in eligible}
    most = max(held.values())

    def worth(i: int) -> float:
        kind = wanted is not None and wanted(hits[i].excerpt)
        counted = counting and asking.counts_a_question_word(hits[i].excerpt, hits[i].spans)
        return held[i] + KIND_LEADS * most * kind + COUNTED_LEADS * most * counted

    worths = {i: worth(i) for i in eligible}
    best = max(eligible, key=lambda i: (worths[i], -i))
    return best if worths[0] < GENERIC * worths[best] else 0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
