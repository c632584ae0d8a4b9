"""What a question asks for beyond its words: the kind of answer, and the names it is about.

The kind: "how many / сколько / цена" wants a number, "when / когда" a date, "what did he say / что сказал" a
quotation (typed questions, tune part: first excerpt answers 0.640 -> 0.652, XQuAD's calibration split
unmoved). Within a passage, the excerpt is a window of sentences holding one when such a window also holds
the question's words ("how many countries" gets "… 1,000 companies from 35 countries", not the sentence that
only names the fair); of the leading hits, one whose excerpt holds it counts more (`engine`).

A "how many / how much" question none of whose leading passages holds a count or an amount is a near miss
("сколько стоит самолет освей": the articles give no price): refused (MUST_HOLD; a price question wants
money). Typed questions: near misses answered 0.706 -> 0.588 (tune), no answerable one refused; XQuAD's
calibration split through `search` lost at most 0.007 answered (vague quantities: "how much of it has been
left undeveloped"); TyDi's unmoved. Asking the same of "when" questions cost XQuAD up to 0.028 answered.

The names: a question naming, in Russian, a person, place or organisation (as pymorphy3 tags the word) that
a corpus with Russian articles holds in no form or script is a near miss ("товарооборот беларуси с
татарстаном"): nothing in it answers. Judging Latin names too, or numbers, or refusing when no leading
excerpt (not passage) holds the kind of answer, refused more near misses but cost XQuAD's report split
0.016–0.026 of its answered questions (docs/decisions.md).

The years: a question naming a year that no article writes and none is dated in is a near miss too
("сколько юнион маз выпустят в 2026 году"). Asking the year of the leading passages instead cost XQuAD up
to 0.013 answered: its passages leave the season they tell of unsaid ("in 2015" asked of a 2015 season).

The speakers: "what did X say" asks for X's words. It is searched without its verb of speech (`searched`), is
a near miss when the corpus never names X (`unknown_speaker`), and is answered by the quotation after the
paragraph ending with X as its subject (`names_the_speaker`, used by the engine's `_said_next`).
"""

from __future__ import annotations

import re
from typing import Callable

from .query import Query, last_sentence_start
from .text import stopwords
from .text.analysis import Analyzer, morph, russian_name
from .text.passages import passage_sentence_spans
from .text.spelling import english_words

MUST_HOLD = ("price", "number")  # kinds of answer a question is refused without (a leading passage holds it)
# The first matching pattern names the kind ("what did he say about prices" asks for a quotation).
_KINDS = (
    ("quote", re.compile(r"\bwhat\s+(?:else\s+)?(?:did|does|has|have)\s+(?:\S+\s+){0,3}?(?:say|tell)\b"
                         r"|\bwhat\s+(?:\S+\s+){0,3}?said\b(?!\s+to\b)"
                         r"|\bчто\s+(?!за\b)(?:\S+\s+){0,3}?(?:сказал|заявил|говорил|ответил)\w*", re.IGNORECASE)),
    ("price", re.compile(r"\b(?:цена|цену|цены|стоимост\w*|сколько\s+сто(?:ит|ят|ил\w*|ить)|какова\s+сумма|"
                         r"на\s+какую\s+сумму|prices?|priced|how\s+expensive|what\s+cost|cost\s+of|"
                         r"how\s+much\s+(?:does|did|do|is|was|were|will)\s+(?:\S+\s+){1,5}?cost)(?![-\w])",
                         re.IGNORECASE)),
    ("number", re.compile(r"\b(?:сколько|скольк\w*|какое\s+количество|какое\s+число|какой\s+объ[её]м|how\s+many|"
                          r"how\s+much|what\s+number|what\s+amount|how\s+large)(?![-\w])", re.IGNORECASE)),
    ("date", re.compile(r"\b(?:когда|какого\s+числа|в\s+каком\s+году|с\s+какого\s+года|since\s+when|when|"
                        r"what\s+date|what\s+year|which\s+year|which\s+day)(?![-\w])", re.IGNORECASE)),
    ("title", re.compile(r"\bназвани\w*|\bкак\s+(?:\w+\s+)?называ\w*|\bwhat\s+(?:is|was)\s+(?:it|the\s+\w+)\s+called"
                         r"|\bwhat\s+(?:is|was)\s+(?:the|its)\s+(?:name|title)|\b(?:name|title)\s+of\b",
                         re.IGNORECASE)),
)
_MONTHS = (r"январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|сентябр[ьяе]|"
           r"октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]|january|february|march|april|may|june|july|august|september|"
           r"october|november|december")
_NUMBER_WORDS = (r"один(?!\s+из\b)|одн[аои](?!\s+из\b)|два|две|двух|двум|двумя|три|тр[её]х|тр[её]м|тремя|"
                 r"четыре|четыр[её]х|четырьмя|пять|пяти|шесть|шести|семь|семи|восемь|восьми|девять|девяти|"
                 r"десят\w*|\w+надцат\w*|двадцат\w*|тридцат\w*|сорок\w*|\w+десят\w*|сто|двести|триста|\w+сот|"
                 r"сотн\w*|тысяч\w*|миллион\w*|миллиард\w*|млн|млрд|полтор\w*|"
                 r"(?:дву|тр[её]х|четыр[её]х|пяти|шести|семи|восьми|девяти|десяти)кратн\w*|"
                 r"one(?!\s+of\b)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                 r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                 r"ninety|dozen\w*|hundred\w*|thousand\w*|million\w*|billion\w*|half|twice")
_YEAR = r"\b(?:1[89]\d\d|20\d\d)\b"  # a four-digit number that may be a year
_QUOTE_MARK = re.compile(r"[“”«»\"]")
_SPEECH = re.compile(r"\b(?:said|says|noted|stated|added|stressed|told|emphasi[sz]ed|сказал\w*|заявил\w*|отметил\w*|"
                     r"подчеркнул\w*|добавил\w*|говорит|считает)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[“«\"](?:[^“”«»\"\s]+\s+){2,}[^“”«»\"]*[”»\"]")  # three words or more between marks
# A day, or a year where it reads as one: after "in / since / в / с …", before "год / year", or in a range ("1900
# человек", "more than 2000 companies" are counts).
_DATE_NUMBERS = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b"
                           rf"|\b(?:in|since|from|until|by|of|в|с|со|до|по|от|к|на)\s+{_YEAR}(?![,.]\d)"
                           rf"|{_YEAR}(?=\s*(?:год\w*|г\.|years?\b|[-–—]\s*\d))|(?<=[-–—]){_YEAR}", re.IGNORECASE)
_HOLDS = {
    "price": re.compile(r"[$€₽£%]|\bруб(?:\.|л\w*\b)|\b(?:долл\w*|евро|BYN|USD|EUR|RUB|dollars?|euros?|roubles?|"
                        r"rubles?|процент\w*|per\s*cent)\b", re.IGNORECASE),  # a price, or how much it moved
    "number": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    "date": re.compile(rf"{_YEAR}|\b(?:{_MONTHS})\b|\d+\s*(?:years?|лет|года?)\b", re.IGNORECASE),
    "title": _QUOTE_MARK,  # a session's, a tram's or a programme's name is written in quotation marks
}


def kind(question: str) -> str | None:
    """"price", "number", "date", "quote", "title" or None: what the answer to `question` holds, read from its last
    sentence (a follow-up is read after the question it follows, and asks its own kind: `followup`)."""
    last = question[last_sentence_start(question):]
    return next((name for name, pattern in _KINDS if pattern.search(last)), None)


_QUOTE_ASKED = dict(_KINDS)["quote"]


def _asked_quotation(question: str) -> re.Match | None:
    """Where the last sentence of `question` asks what someone said: "what did … say", "что … сказал"."""
    return _QUOTE_ASKED.search(question, last_sentence_start(question))


def searched(question: str) -> str:
    """A quotation question as it is searched: without its verb of speech (the last word of what `kind` read
    it by), which `holds` asks of the answer instead. As a word it found any passage using the verb: "They
    say it has changed a lot" (Lukashenko on Sverdlovsk) led "what did golovchenko say" and "what did Putin
    say about trams"."""
    match = _asked_quotation(question)
    if not match:
        return question
    verb = match.start() + re.search(r"[^\W\d_]+$", match.group()).start()
    return question[:verb] + " " + question[match.end():]


def unknown_speaker(question: str, known: Callable[[str], bool]) -> str | None:
    """The first word naming who is asked about in "what did … say" (a name: capitalised, or no English
    word, so not "else") that the corpus does not hold (`known`), or None: "what did Putin say about trams"
    is a near miss, whatever the articles quote about trams. (A Russian question names the speaker after the
    verb, where `unknown_name` reads it.)"""
    match = _asked_quotation(question)
    if not match:
        return None
    words = re.findall(r"[^\W\d_]+", match.group())[1:-1]  # between "what" and "say"
    return next((word for word in words if word.lower() not in stopwords.ALL and not known(word)
                 and (word[:1].isupper() or word.lower() not in english_words())), None)


def holds(wanted: str | None, text: str) -> bool:
    """Whether `text` holds an answer of kind `wanted` (any text does when no kind is wanted)."""
    if wanted == "quote":  # words quoted, not a name in quotation marks ("Union MAZ", ОАО «МАЗ»)
        return bool(_QUOTE_MARK.search(text) and _SPEECH.search(text) or _QUOTED.search(text))
    if wanted == "number":  # a count or an amount: "on July 8" or "since 2010" does not say how many
        text = _DATE_NUMBERS.sub(" ", text)
    return wanted is None or bool(_HOLDS[wanted].search(text))


def unknown_name(question: str, analyzer: Analyzer, vocabulary) -> str | None:
    """The first Russian name in `question` (a word of pymorphy3's dictionary it tags as a name, place or
    organisation: its guesses for words it does not know, a slip or a cut word, are no evidence) that no
    term of `vocabulary` (the index's) stands for, or None. Only for a corpus with Russian articles: there a
    name it mentions would be found as written."""
    for token in analyzer.analyze_question(question):
        written = question[token.start:token.end]
        if (token.terms and russian_name(written) and morph().word_is_known(written.lower())
                and not any(term in vocabulary for term in token.terms)):
            return written
    return None


_COUNT_BEFORE = re.compile(rf"(?:\d|\b(?:{_NUMBER_WORDS})\b)\S*\s+(?:\S+\s+)?$", re.IGNORECASE)


def counts_a_question_word(excerpt: str, spans: tuple[tuple[int, int], ...]) -> bool:
    """Whether a number stands just before (a word or two) one of the question's words marked in `excerpt` by
    `spans`: "35 countries" answers "how many countries" where "$387 million" does not."""
    return any(_COUNT_BEFORE.search(excerpt[max(0, start - 30):start]) for start, _ in spans)


def unknown_year(question: str, vocabulary, dated: frozenset[str]) -> str | None:
    """The first year `question` names that no term of `vocabulary` (the index's) is and no article is
    `dated` in (years as four digits), or None."""
    return next((year for year in re.findall(_YEAR, question) if year not in vocabulary and year not in dated), None)


def names_the_speaker(paragraph: str, query: Query, analyzer: Analyzer, pronoun: bool = False) -> bool:
    """Whether the last sentence of `paragraph` opens with someone the question names: its first run of
    capitalised words after its first word ("Yevgeny Kuivashev" in "In turn, Yevgeny Kuivashev congratulated
    Aleksandr Lukashenko …") holds a question word, or, when the question names the speaker by a `pronoun`
    ("and what else did he say?" after "who congratulated Lukashenko?"), is there. Whom a news article quotes
    next is the one it named last as the subject, not any name in the paragraph."""
    start, end = passage_sentence_spans(paragraph)[-1]
    run: list = []
    for token in analyzer.analyze(paragraph[start:end])[1:]:
        if not paragraph[start + token.start].isupper():
            if run:
                break
            continue
        run.append(token)
    return bool(run) and pronoun or any(word.terms & token.marks for token in run for word in query.words)
