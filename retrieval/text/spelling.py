"""Spelling slips and the wrong keyboard: a question word neither the corpus nor its language knows is read as
the corpus word it was meant to be.

People type "иннопрм", "соглашеине", and Russian in Latin letters ("skolko proektov importozamescheniya"). A
word is left as written when the corpus holds it in any form (its analysed terms are in the index: an
inflection, a glossary name) or its language knows it (pymorphy3's dictionary for Russian, SymSpell's English
frequency list for English): a real word is what the user meant, even when the corpus lacks it, and near
misses must stay near misses. Any other Cyrillic word is corrected by SymSpell (symmetric delete, Damerau
distance: one edit for words of five or six letters, two from seven) against the corpus's own words; Latin
words are read as Russian typed in Latin letters (cyrtranslit, with the soft signs and "щ" people leave out:
"skolko", "importozameshenie"), only in a question where that plainly is what they are. Latin slips
("Golovcheko") are left: correcting them towards the corpus cost XQuAD's English questions asked of Russian
articles (docs/decisions.md). Words shorter than five letters are not corrected: too many words are one edit
from them. A Cyrillic word that spells out one of the corpus's Latin words ("юнион" for "Union", "экспо" for
"Expo": English typed in Russian letters) is read as it when it is no Russian word, or a Russian word
pymorphy3 takes only for a name (typed questions, tune part: first excerpt 0.663 -> 0.674; XQuAD's calibration
split through `search` unchanged).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable

import cyrtranslit
from symspellpy import SymSpell, Verbosity

from . import stopwords
from .analysis import morph, russian_name
from .tokens import CYRILLIC_RE

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_LENGTH = 5
_SOFTENED = frozenset("бвдзлмнпрстфц")  # consonants a soft sign may follow where Latin-letter typing drops it
# Question words a corpus need not hold, which the kind of an answer is read from (`asking`).
QUESTION_WORDS = ("сколько", "скольких", "когда", "какой", "какая", "какое", "какие", "какого", "где", "куда",
                  "почему", "зачем", "который", "стоимость", "между")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """SymSpell's English frequency list (82,765 words), shipped inside its package."""
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def reads_as_written(question: str, known: Callable[[str], bool]) -> bool:
    """Whether `Speller.read` leaves `question` as written, told without the corpus's words, so that a plainly
    written question is answered before the speller is built (a second at 50,000 passages): each Cyrillic
    word is known to the corpus (`known`), short, or a Russian word pymorphy3 knows and takes for no name,
    and at most one Latin word is outside English (reading Latin letters as Russian takes two)."""
    foreign = 0
    for written in _WORD_RE.findall(question):
        word = written.lower().replace("ё", "е")
        if CYRILLIC_RE.search(word):
            if not (len(word) < MIN_LENGTH or known(written)
                    or morph().word_is_known(word) and not russian_name(word)):
                return False
        elif word not in english_words():
            foreign += 1
    return foreign < 2


class Speller:
    """A corpus's words, for reading a question's slips as them."""

    def __init__(self, texts: Iterable[str], known: Callable[[str], bool] = lambda word: False):
        """`known(word)`: whether the corpus holds the word in some form (the engine asks its index)."""
        self._known = known
        counts: dict[str, int] = {}
        for text in texts:
            for word in _WORD_RE.findall(text.lower().replace("ё", "е")):
                counts[word] = counts.get(word, 0) + 1
        for word in QUESTION_WORDS:
            counts[word] = counts.get(word, 0) + 1
        self._words = counts
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        self._latin = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)  # for English typed in Cyrillic
        for word, count in counts.items():  # only Cyrillic words are corrections (the module's docstring says why)
            if len(word) >= MIN_LENGTH - 2:
                (self._symspell if CYRILLIC_RE.search(word) else self._latin).create_dictionary_entry(word, count)
        english_words(), morph()  # loaded now (the engine builds this in the background), not in a question

    def read(self, question: str) -> str:
        """`question` with every word it would not otherwise understand replaced by the corpus word meant. A
        Latin word is read as Russian only in a question where most Latin words neither English nor the corpus
        knows, and at least two, are plainly Russian ("skazal"): elsewhere such a word is a name, not a slip."""
        latin = [w for w in _WORD_RE.findall(question) if not CYRILLIC_RE.search(w)]
        strange = [w for w in map(str.lower, latin) if w not in self._words and w not in english_words()]
        names = {w.lower() for w in latin if w[:1].isupper()}
        readings = {w: reading for w in set(strange) if (reading := _exact_russian(w, self._words, w not in names))}
        russian = sum(1 for w in strange if w in readings)
        if not (russian >= 2 and 2 * russian > len(strange)):
            readings = None  # not Russian typed in Latin letters
        else:  # its little words are Russian too, though English or the corpus knows them ("pro", "to"), but
            # a capitalised one, a name ("Sam"); and a name read as Russian may be the corpus's English one
            # ("yunion" → "юнион" → "union")
            readings.update({w.lower(): reading for w in latin
                             if not w[:1].isupper() and (reading := _as_russian(w.lower())[0]) in stopwords.ALL})
            readings = {w: r if r in self._words or not russian_name(r) else self._english(r) or r
                        for w, r in readings.items()}
        return _WORD_RE.sub(lambda match: _cased(match.group(), self._read_word(match.group(), readings)), question)

    def _read_word(self, written: str, readings: dict[str, str] | None) -> str:
        """`written` as meant; `readings`: the question's Latin words plainly Russian, when it is typed so."""
        word = written.lower().replace("ё", "е")
        if readings is not None and word in readings and not written[:1].isupper():
            return readings[word]
        if word in self._words or self._known(written):
            return written
        if CYRILLIC_RE.search(word):
            if len(word) < MIN_LENGTH:
                return written
            if morph().word_is_known(word):  # a real word, unless a name spelling out a corpus word ("юнион")
                return russian_name(word) and self._english(word) or written
            return self._closest(word) or self._english(word) or written
        if readings is not None and word in readings:
            return readings[word]
        if word in english_words() or readings is None or len(word) < MIN_LENGTH:
            return written
        return next(filter(None, map(self._closest, _as_russian(word))), None) or written

    def _english(self, word: str) -> str | None:
        """The Latin corpus word a Cyrillic one spells out, within one edit ("юнион" → "union"), or None."""
        for latin in _as_latin(word):
            found = self._latin.lookup(latin, Verbosity.TOP, max_edit_distance=1)
            if found:
                return found[0].term
        return None

    def _closest(self, word: str) -> str | None:
        """The Cyrillic corpus word within reach of `word` (most frequent of the closest), or None."""
        if len(word) < MIN_LENGTH:
            return None
        found = self._symspell.lookup(word, Verbosity.TOP, max_edit_distance=1 if len(word) < 7 else 2)
        return found[0].term if found and CYRILLIC_RE.search(found[0].term) else None


def _exact_russian(word: str, corpus_words, loosely: bool = True) -> str | None:
    """The reading of a Latin word as Russian that the corpus or pymorphy3's dictionary knows, or None; failing
    those and `loosely` (not for a capitalised word: a name, "Balmont" is no "Бальмонт" slip), the same with a
    soft sign put back or "sh" read as "щ", as people typing Russian in Latin letters leave them out
    ("skolko", "importozameshenie")."""
    def known(reading: str) -> bool:
        return reading in corpus_words or morph().word_is_known(reading)

    readings = _as_russian(word)
    found = next(filter(known, readings), None)
    if found or not loosely or len(word) < MIN_LENGTH:
        return found
    variants = [r.replace("ш", "щ") for r in readings if "ш" in r]
    variants += [r[:i] + "ь" + r[i:] for r in readings for i in range(2, len(r) + 1) if r[i - 1] in _SOFTENED]
    return next(filter(known, variants), None)


def _as_russian(word: str) -> list[str]:
    """Readings of a Latin word as Russian typed in Latin letters: cyrtranslit's, with "shch" and "sch" read
    as "щ"; then with "y" read as "ы" instead of "и"; then with "ts" read as "ц" ("tsel", not "detskiy")."""
    word = word.replace("shch", "shh").replace("sch", "shh")
    readings = (cyrtranslit.to_cyrillic(word, "ru"), cyrtranslit.to_cyrillic(word.replace("y", "ы"), "ru"))
    return list(dict.fromkeys(readings + tuple(r.replace("тс", "ц") for r in readings if "тс" in r)))


def _as_latin(word: str) -> list[str]:
    """Readings of a Cyrillic word as an English one typed in Cyrillic: cyrtranslit's, without its mark for
    "э", then with "кс" read as "x" and "й" as "y"."""
    first = cyrtranslit.to_latin(word, "ru").replace("'", "")
    return list(dict.fromkeys((first, first.replace("ks", "x").replace("j", "y"))))


def _cased(written: str, read: str) -> str:
    if read.lower() == written.lower():
        return written
    return read.capitalize() if written[:1].isupper() else read
