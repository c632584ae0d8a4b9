"""What a question asks for beyond its words: the kind of answer, and the names it is about.

The kind: "how many / сколько / цена" wants a number, "when / когда" a date, "what did he say / что сказал" a
quotation (typed questions, tune part: first excerpt answers 0.640 -> 0.652, XQuAD's calibration split
unmoved). Within a passage, the excerpt is a window of sentences holding one when such a window also holds
the question's words ("how many countries" gets "… 1,000 companies from 35 countries", not the sentence that
only names the fair); of the leading hits, one whose excerpt holds it counts more (`engine`).

The names: a question naming, in Russian, a person, place or organisation (as pymorphy3 tags the word) that
a corpus with Russian articles holds in no form or script is a near miss ("товарооборот беларуси с
татарстаном"): nothing in it answers. Judging Latin names too, or numbers, or refusing when no leading
excerpt holds the kind of answer, refused more near misses but cost XQuAD's report split 0.016–0.026 of its
answered questions (docs/decisions.md).
"""

from __future__ import annotations

import re

from .text.analysis import Analyzer, morph, russian_name

# The first matching pattern names the kind: a price is a number too.
_KINDS = (
    ("number", re.compile(r"\b(?:сколько|скольк\w*|какое\s+количество|какое\s+число|какова\s+сумма|на\s+какую\s+сумму"
                          r"|какой\s+объ[её]м|цена|цену|стоимост\w*|сколько\s+стоит|how\s+many|how\s+much|"
                          r"what\s+number|what\s+amount|how\s+large|what\s+price|what\s+cost)(?![-\w])",
                          re.IGNORECASE)),
    ("date", re.compile(r"\b(?:когда|какого\s+числа|в\s+каком\s+году|с\s+какого\s+года|since\s+when|when|"
                        r"what\s+date|what\s+year|which\s+year|which\s+day)(?![-\w])", re.IGNORECASE)),
    ("quote", re.compile(r"\bwhat\s+(?:else\s+)?(?:did|does|has|have)\s+(?:\S+\s+){0,3}?(?:say|tell)\b"
                         r"|\bwhat\s+(?:\S+\s+){0,3}?said\b(?!\s+to\b)"
                         r"|\bчто\s+(?!за\b)(?:\S+\s+){0,3}?(?:сказал|заявил|говорил|ответил)\w*", re.IGNORECASE)),
    ("title", re.compile(r"\bназвани\w*|\bкак\s+(?:\w+\s+)?называ\w*|\bwhat\s+(?:is|was)\s+(?:it|the\s+\w+)\s+called"
                         r"|\bwhat\s+(?:is|was)\s+(?:the|its)\s+(?:name|title)|\b(?:name|title)\s+of\b",
                         re.IGNORECASE)),
)
_MONTHS = (r"январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|сентябр[ьяе]|"
           r"октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]|january|february|march|april|may|june|july|august|september|"
           r"october|november|december")
_NUMBER_WORDS = (r"один|одн[аои]|два|две|три|четыре|пять|шесть|семь|восемь|девять|десят\w*|сто|сотн\w*|тысяч\w*|"
                 r"миллион\w*|миллиард\w*|млн|млрд|one|two|three|four|five|six|seven|eight|nine|ten|dozen\w*|"
                 r"hundred\w*|thousand\w*|million\w*|billion\w*")
_QUOTE_MARK = re.compile(r"[“”«»\"]")
_SPEECH = re.compile(r"\b(?:said|says|noted|stated|added|stressed|told|emphasi[sz]ed|сказал\w*|заявил\w*|отметил\w*|"
                     r"подчеркнул\w*|добавил\w*|говорит|считает)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[“«\"](?:[^“”«»\"\s]+\s+){2,}[^“”«»\"]*[”»\"]")  # three words or more between marks
_DATE_NUMBERS = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b"
                           r"|\b(?:1[89]\d\d|20\d\d)\b(?![,.]\d)", re.IGNORECASE)  # a day, or a year
_HOLDS = {
    "number": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    "date": re.compile(rf"\b(?:1[89]\d\d|20\d\d)\b|\b(?:{_MONTHS})\b|\d+\s*(?:years?|лет|года?)\b", re.IGNORECASE),
    "title": _QUOTE_MARK,  # a session's, a tram's or a programme's name is written in quotation marks
}


def kind(question: str) -> str | None:
    """"number", "date", "quote", "title" or None: what the answer to `question` holds, read from its last
    sentence (a follow-up is read after the question it follows, and asks its own kind: `followup`)."""
    last = next((part for part in reversed(re.split(r"[?!]", question)) if part.strip()), "")
    return next((name for name, pattern in _KINDS if pattern.search(last)), None)


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
