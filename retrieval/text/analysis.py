"""The analyser: one function from text to index terms, shared by passages and questions.

Russian words become their pymorphy3 normal form (then stemmed, see `_russian`), English words their Snowball stem, numbers a canonical
spelling; stop words of both languages go. Glossary names become shared concept terms, which is what lets
МАЗ meet MAZ. Name-like words also get a transliteration key (see `translit`), which lets Головченко meet
Golovchenko.

The key is the one place where passages and questions differ. A passage word carries the key tagged with
its own script; a question word asks for the key tagged with the *other* script. So a Russian question
finds English spellings through the key and Russian ones through the lemma, and a name is never counted
twice against a passage in the question's own language (which cost English retrieval about 1 point of
hit@1 on XQuAD when keys were shared).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
import Stemmer

from . import stopwords
from ..errors import CorpusError
from .glossary import Glossary
from .tokens import CYRILLIC_RE, RawToken, hyphen_parts, tokenize
from .translit import name_key

# Bump when the analysis changes, so saved indexes built by an older analyser are rebuilt.
ANALYSER_VERSION = "6"
MAX_COMPOUND_PARTS = 4  # a longer hyphen chain is a run of words, not a name: its whole is not a term
# Texts whose analysis an analyser keeps (a passage's is about 14 kB): the leading passages of one question are
# often those of the next, a search reads them again for its excerpt, a build analyses each passage the lab
# has just analysed for another corpus; a question is read by several parts of one search, and the lab asks
# each of its questions of many corpora. Only questions of at most KEPT_QUESTION_CHARS are kept (such a one's
# analysis is at most about 16 kB: 32 MB in all; a 1,000-character one's is about 78 kB).
ANALYSED_PASSAGES = 1024
ANALYSED_QUESTIONS = 2048
KEPT_QUESTION_CHARS = 200

NAME_KEY_PREFIX = {"cyrillic": "~c:", "latin": "~l:"}
_OTHER_SCRIPT = {"cyrillic": "latin", "latin": "cyrillic"}
_NAME_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


@dataclass(frozen=True, slots=True)
class Token:
    """A token of the text with the terms it contributes to the index and the terms it answers to.

    `marks` is `terms` plus any glossary phrase the token is part of, so every word of "Minsk Automobile
    Plant" is highlighted for a question about МАЗ while the phrase is counted once in the index.
    """

    start: int
    end: int
    terms: tuple[str, ...]
    marks: frozenset[str]


@dataclass(frozen=True, slots=True)
class Word:
    """One analysed word: its base term (lemma, stem or number), whether it is a stop word, the
    transliteration keys it carries when it looks like a name, and its script (as `tokens` tells it)."""

    base: str
    stop: bool
    keys: tuple[str, ...]
    script: str


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def russian_name(word: str) -> bool:
    """Whether `word` is Cyrillic and pymorphy3's best parse takes it for a name, place or organisation. A word
    as the user wrote it may hold a letter Python's Unicode database cannot name ("𗀀МАЗ"), on which
    pymorphy3's parser raises: no name then (the analyser itself parses only normalised words)."""
    if not CYRILLIC_RE.search(word):
        return False
    try:
        return bool(_NAME_TAGS & morph().parse(word.lower())[0].tag.grammemes)
    except ValueError:
        return False


@lru_cache(maxsize=2)
def stemmer(language: str) -> Stemmer.Stemmer:
    """The Snowball stemmer of 'en' or 'ru' (one per process; the evaluation's baselines use them too)."""
    return Stemmer.Stemmer({"en": "english", "ru": "russian"}[language])


@lru_cache(maxsize=1_000_000)
def _analyse_russian(word: str) -> Word:
    """A Cyrillic word analysed; cached because parsing is the slow part of indexing.

    The base term is the Snowball stem of pymorphy3's normal form. The normal form resolves inflection,
    irregular forms included; stemming it then joins close derivations (создание / создать). On XQuAD
    this lifted Russian hit@1 from 0.918 (normal form alone) to 0.926, against 0.911 for stems alone.
    Name keys come from the normal form and from the word as written, since pymorphy3's guesses for
    unknown names are sometimes odd ("Рогожник" → "рогожникнуть").
    """
    analyser = morph()
    parse = analyser.parse(word)[0]
    lemma = parse.normal_form.replace("ё", "е")
    stop = word in stopwords.ALL or lemma in stopwords.ALL or len(word) < 2
    keys: tuple[str, ...] = ()
    if _NAME_TAGS & parse.tag.grammemes or not analyser.word_is_known(word):
        keys = tuple(dict.fromkeys(k for k in (name_key(lemma), name_key(word)) if k))
    return Word(stemmer("ru").stemWord(lemma), stop, keys, "cyrillic")


@lru_cache(maxsize=1_000_000)
def analyse_word(norm: str, script: str, capitalised: bool) -> Word:
    """One normalised word of the given script analysed (cached: a corpus repeats its words)."""
    if script == "cyrillic":
        return _analyse_russian(norm)
    if script == "latin":
        word = norm[:-2] if norm.endswith("'s") else norm.rstrip("'")
        stop = word in stopwords.ALL or norm in stopwords.ALL or not word
        key = name_key(word) if capitalised else None
        return Word(stemmer("en").stemWord(word), stop, (key,) if key else (), script)
    return Word(norm, script != "number" and len(norm) < 2, (), script)


@dataclass(frozen=True)
class CompiledGlossary:
    """The glossary as the analyser uses it: one-word names (by base term) and phrases (by base terms), each
    to its concept. Saved with the index, so a large glossary is neither parsed nor compiled at each start."""

    single: dict[str, str]
    phrases: dict[tuple[str, ...], str]

    def to_json(self) -> dict:
        return {"single": self.single, "phrases": [[list(key), concept] for key, concept in self.phrases.items()]}

    @classmethod
    def from_json(cls, data) -> "CompiledGlossary":
        """Raises ValueError when `data` is not what `to_json` writes."""
        single, phrases = data.get("single"), data.get("phrases")
        if not (isinstance(single, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in single.items())
                and isinstance(phrases, list)
                and all(isinstance(row, list) and len(row) == 2 and isinstance(row[0], list)
                        and all(isinstance(w, str) for w in row[0]) and isinstance(row[1], str) for row in phrases)):
            raise ValueError("not a compiled glossary")
        return cls(single, {tuple(key): concept for key, concept in phrases})


def compile_glossary(glossary: Glossary) -> CompiledGlossary:
    """Analyse every name; a name with no searchable word, or given to two concepts, is a CorpusError."""
    single: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    owner: dict[object, int] = {}
    for entry in glossary.entries:
        for names in entry.names.values():
            for name in names:
                bases = tuple(u.base for u in _analysed_words(name) if not u.stop)
                if not bases:
                    raise CorpusError(glossary.path, f"name {name!r} has no searchable word", entry.line)
                key = bases[0] if len(bases) == 1 else bases
                table = single if len(bases) == 1 else phrases
                if key in table and table[key] != entry.concept:
                    raise CorpusError(glossary.path, f"name {name!r} is already given on line {owner[key]}",
                                      entry.line)
                table[key] = entry.concept
                owner[key] = entry.line
    return CompiledGlossary(single, phrases)


def fingerprint() -> str:
    """A hash of what decides terms besides the glossary (the analyser's version and stop words), for telling
    whether a saved index is still valid."""
    return hashlib.sha256(f"{ANALYSER_VERSION}:{sorted(stopwords.ALL)!r}".encode()).hexdigest()


def _analysed_words(text: str) -> list[Word]:
    return [analyse_word(t.norm, t.script, t.capitalised) for t in tokenize(text)]


class Analyzer:
    """Text → tokens with terms. Build one per glossary and reuse it: it holds the compiled glossary and the
    analyses of the texts it read lately."""

    def __init__(self, glossary: Glossary | CompiledGlossary | None = None):
        compiled = glossary if isinstance(glossary, CompiledGlossary) else compile_glossary(glossary or Glossary.empty())
        self.glossary = compiled
        self._single, self._phrases = compiled.single, compiled.phrases
        self._concepts = frozenset(self._single.values())
        self.max_phrase = max((len(p) for p in self._phrases), default=0)
        # (a cycle through the analyser: the collector frees a replaced engine's, not the reference count)
        self._passages = lru_cache(maxsize=ANALYSED_PASSAGES)(self._tokens)
        self._questions = lru_cache(maxsize=ANALYSED_QUESTIONS)(self._tokens)

    def _terms_of(self, word: Word, question: bool) -> list[str]:
        """A word's terms: its glossary concept, or its base and name keys (a question's keys ask for the
        other script, see the module's docstring); none for a stop word."""
        if word.stop:
            return []
        concept = self._single.get(word.base)
        if concept:
            return [concept]
        prefix = NAME_KEY_PREFIX[_OTHER_SCRIPT[word.script] if question else word.script] if word.keys else ""
        return [word.base] + [prefix + key for key in word.keys]

    def _words(self, text: str, question: bool) -> list[tuple[RawToken, Word, list[str], frozenset[str]]]:
        """(token, word, terms, extra marks) of each word. A hyphenated word gives one entry per part, so
        each part counts as a word of its own (the no-answer rule must not take "weather-in-Minsk" as known
        because "Minsk" is); a short compound also keeps its whole as a term on its first part, so
        "Belarus-Russia" still meets itself, and as a mark on every part, so all of it is highlighted."""
        words = []
        for raw in tokenize(text):
            whole = analyse_word(raw.norm, raw.script, raw.capitalised)
            terms = self._terms_of(whole, question)
            parts = hyphen_parts(text, raw) if "-" in raw.norm else []
            if len(parts) < 2 or (terms and terms[0] in self._concepts):  # a plain word, or a glossary name
                words.append((raw, whole, terms, frozenset()))
                continue
            compound = terms if len(parts) <= MAX_COMPOUND_PARTS else []
            for i, part in enumerate(parts):
                word = analyse_word(part.norm, part.script, part.capitalised)
                words.append((part, word, self._terms_of(word, question) + (compound if i == 0 else []),
                              frozenset(compound)))
        return words

    def analyze(self, text: str) -> tuple[Token, ...]:
        """Every token of a passage with its terms; stop words come back with no terms."""
        return self._passages(text, False)

    def analyze_question(self, text: str) -> tuple[Token, ...]:
        """Every token of a question with its terms: as `analyze`, but name keys ask for the other script."""
        return self._questions(text, True) if len(text) <= KEPT_QUESTION_CHARS else self._tokens(text, True)

    def _tokens(self, text: str, question: bool) -> tuple[Token, ...]:
        words = self._words(text, question)
        extra_terms: dict[int, list[str]] = {}
        extra_marks: dict[int, set[str]] = {}
        if self._phrases:
            content = [i for i, (_, word, _, _) in enumerate(words) if not word.stop]
            bases = [words[i][1].base for i in content]
            for pos in range(len(content)):
                for size in range(min(self.max_phrase, len(content) - pos), 1, -1):
                    concept = self._phrases.get(tuple(bases[pos:pos + size]))
                    if concept:
                        extra_terms.setdefault(content[pos], []).append(concept)
                        for i in content[pos:pos + size]:
                            extra_marks.setdefault(i, set()).add(concept)
                        break
        tokens = []
        for i, (raw, _, terms, marks) in enumerate(words):
            all_terms = tuple(terms + extra_terms.get(i, []))
            tokens.append(Token(raw.start, raw.end, all_terms,
                                frozenset(all_terms) | marks | extra_marks.get(i, set())))
        return tuple(tokens)

    def terms(self, text: str) -> list[str]:
        """The flat list of a passage's terms, repeats kept (they are term frequencies)."""
        return [term for token in self.analyze(text) for term in token.terms]

    def question_terms(self, text: str) -> list[str]:
        return [term for token in self.analyze_question(text) for term in token.terms]
