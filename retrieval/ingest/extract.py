"""From a fetched page or text file to an article: its paragraphs and what the page itself states about it.

HTML goes through trafilatura, which finds the article's main text among navigation, ads and comments,
and reads title, date (via htmldate) and site name from the page's metadata. Nothing is invented:
htmldate's wide search of the text is used only when its date is written out in the article's own part of
the page (a copyright year is not a date, and a "read also" list's dates are other articles'), and a field
the page does not state stays empty. The language is detected from the
text (py3langid); only Russian and English are served. Every field and the text are normalised before
anything is written (`storable`): a page can carry any character, a manifest cannot.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from ..text.cleaning import clean_article
from ..text import LANGUAGES
from .fetch import Fetched, SourceError

MIN_WORDS = 40  # less is a login form, a section front or a caption, not a report
_WORD_RE = re.compile(r"\w+")

_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
# Control characters (newline apart), lone surrogates and non-characters: YAML refuses them, no article
# means them, and a feed or page can carry any of them (as bytes or as &#1; &#xFFFE; &#55296;).
_NONCHARACTERS = "".join(chr(plane + last) for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF))
_UNSTORABLE_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")
_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1f\x85]")  # what str.splitlines breaks at, but \n and U+2028/9
_REFERENCE_RE = re.compile(rb"&#(x[0-9a-f]+|[0-9]+);", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    """An article ready to be added: its text and metadata, and where each filled field came from."""

    source: str
    text: str  # what is written to articles/<id>.txt
    paragraphs: tuple[str, ...]  # what the corpus will hold: `text` as loading cleans it
    title: str = ""
    date: str = ""
    publisher: str = ""
    language: str = ""
    url: str = ""
    found: dict[str, str] = field(default_factory=dict)  # field → where it was found ("from the page")


def storable(text: str, lines: bool = False) -> str:
    """`text` as it may be written: Unicode NFC, without control characters, surrogates or non-characters
    (tabs become spaces and the other breaking controls line breaks, so no two words run together); on one
    line with single spaces, unless `lines` (an article's text keeps its lines and spacing)."""
    text = _LINE_BREAKS_RE.sub("\n", text.replace("\t", " "))
    text = unicodedata.normalize("NFC", _UNSTORABLE_RE.sub("", text))
    return text if lines else " ".join(text.split())


def without_bad_references(markup: bytes) -> bytes:
    """`markup` without the character references to what `storable` removes (`&#1;`, `&#xFFFE;`,
    `&#55296;`) or to no character at all: a parser would turn them into such characters, or fail on them
    (feedparser does on a surrogate)."""
    def keep(reference: re.Match) -> bytes:
        digits = reference[1]
        if len(digits) > 8:
            return b""
        value = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
        bad = value > 0x10FFFF or (value not in (9, 10, 13) and _UNSTORABLE_RE.match(chr(value)))
        return b"" if bad else reference[0]

    return _REFERENCE_RE.sub(keep, markup)


def extract(fetched: Fetched) -> Article:
    """The article in `fetched`, or a SourceError saying why there is none to add."""
    try:
        article = _from_html(fetched) if _is_html(fetched) else _from_text(fetched)
    except SourceError:
        raise
    except Exception as error:  # noqa: BLE001 - the parsers fail in their own ways on hostile pages
        raise SourceError(fetched.source, f"could not be read as an article ({type(error).__name__})") from None
    words = len(_WORD_RE.findall(" ".join(article.paragraphs)))
    if words < MIN_WORDS:
        raise SourceError(fetched.source, f"has no article text ({words} words found; a report has at least {MIN_WORDS})")
    language = _language(" ".join(article.paragraphs))
    if language not in LANGUAGES:
        raise SourceError(fetched.source, f"is in {language!r}, and only Russian and English articles are served")
    return replace(article, title=storable(article.title), date=storable(article.date),
                   publisher=storable(article.publisher), url=storable(article.url), language=language,
                   found={**article.found, "language": "detected from the text"})


def _is_html(fetched: Fetched) -> bool:
    if fetched.content_type:
        return fetched.content_type != "text/plain"
    head = fetched.data[:2048].lower()
    return fetched.source.lower().endswith((".html", ".htm")) or b"<html" in head or b"<!doctype html" in head


def _decoded(fetched: Fetched) -> str:
    """The text of `fetched` in the charset its server declared, else UTF-8."""
    charset = fetched.charset or "utf-8-sig"
    try:
        return fetched.data.decode("utf-8-sig" if charset.lower() in ("utf-8", "utf8") else charset)
    except (UnicodeDecodeError, LookupError):
        raise SourceError(fetched.source, f"is not {charset.removesuffix('-sig').upper()} text") from None


def _from_text(fetched: Fetched) -> Article:
    text = storable(_decoded(fetched), lines=True)
    cleaned = clean_article(text)
    found = {}
    if cleaned.date:
        found["date"] = "from the text's 'date' header"
    if cleaned.source:
        found["publisher"] = "from the text's 'Source:' line"
    if fetched.url:
        found["url"] = "where it was read from"
    return Article(source=fetched.source, text=text.strip() + "\n", paragraphs=cleaned.paragraphs,
                   date=cleaned.date, publisher=cleaned.source, url=fetched.url, found=found)


def _from_html(fetched: Fetched) -> Article:
    import trafilatura  # imported here: a second to load, and needed only when adding
    from htmldate import find_date
    from trafilatura.utils import load_html

    url = fetched.url or None
    page = storable(_decoded(fetched), lines=True) if fetched.charset else fetched.data  # else it finds the charset
    document = trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, date_extraction_params={"extensive_search": False, "original_date": True})
    if document is None or not (document.text or "").strip():
        raise SourceError(fetched.source, "has no article text")
    title = storable(document.title or "")
    lines = [storable(line) for line in document.text.split("\n")]
    paragraphs = [line for line in lines if line]
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the headline, already the title
    found = {}
    date = document.date or ""
    if date:
        found["date"] = "from the page's metadata"
    else:
        tree = load_html(page)  # a parsed tree, never text: htmldate downloads a string that starts with "http"
        candidate = tree is not None and find_date(tree, extensive_search=True, original_date=True, url=url)
        written = candidate and _written_out(candidate, _own_text(tree))  # htmldate searched its own copy
        if written:
            date, found["date"] = candidate, f"from the page's text: {written!r}"
    if title:
        found["title"] = "from the page"
    publisher, where = _publisher(storable(document.sitename or ""), fetched.url)
    if publisher:
        found["publisher"] = where
    if fetched.url:
        found["url"] = "where it was read from"
    text = "\n\n".join(paragraphs) + "\n"
    return Article(source=fetched.source, text=text, paragraphs=clean_article(text).paragraphs, title=title,
                   date=date, publisher=publisher, url=fetched.url, found=found)


def _publisher(site_name: str, url: str) -> tuple[str, str]:
    """The publisher and where it was found. trafilatura falls back on the address's host when the page
    names no site: that is kept for a real domain (sputnik.by), not for an IP address or localhost."""
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    if not site_name or not host or site_name.lower().split(":")[0].removeprefix("www.") != host:
        return site_name, "from the page's site name"
    try:
        ipaddress.ip_address(host)
        return "", ""
    except ValueError:
        return ("", "") if host == "localhost" else (host, "from the address")


def _language(text: str) -> str:
    import py3langid

    return py3langid.classify(text)[0]


def warm_up() -> None:
    """Load the language model (a second) and the extractor in the background while the corpus loads."""
    threading.Thread(target=lambda: (_language("warm up"), __import__("trafilatura")), daemon=True).start()


# Not the article's own text: code, navigation, asides, footers; and blocks mostly made of link text.
_NOT_OWN = ".//script|.//style|.//noscript|.//nav|.//aside|.//footer|.//form"
_BLOCKS = ("div", "section", "ul", "ol", "li", "table", "p")
_LINK_SHARE = 0.5


def _own_text(tree) -> str:
    """The visible text of the article's own part of the page, where its date may be written: the page's
    one <article> (else <main>, else <body>), without code, navigation, asides, footers and blocks that
    are mostly links (a "read also" list, whose dates are other articles')."""
    if tree is None:
        return ""
    articles = tree.xpath("//article")
    own = articles[0] if len(articles) == 1 else (tree.xpath("//main") or tree.xpath("//body") or [tree])[0]
    for element in own.xpath(_NOT_OWN):
        element.drop_tree()
    _drop_link_lists(own)
    return " ".join(own.text_content().split())


def _drop_link_lists(root) -> None:
    """Drop the blocks under `root` whose text is mostly link text, counting every element's text and link
    text once, children before parents (no quadratic walk, however deep a page nests)."""
    chars: dict = {}  # element → (characters of text, of them inside links)
    for element in reversed(list(root.iter())):
        text = len(element.text or "") if isinstance(element.tag, str) else 0
        links = 0
        for child in element:
            child_text, child_links = chars.get(child, (0, 0))
            text, links = text + child_text + len(child.tail or ""), links + child_links
        chars[element] = (text, text if element.tag == "a" else links)
    for element in list(root.iter(*_BLOCKS)):
        text, links = chars[element]
        if text and links >= _LINK_SHARE * text and element.getparent() is not None:
            element.drop_tree()


def _written_out(iso: str, text: str) -> str:
    """The spelling of date `iso` found in `text` (numbers, or a month's name in Russian or English), or ""."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return ""
    d, m, y = day.day, day.month, day.year
    patterns = [
        rf"{y}-{m:02d}-{d:02d}",
        rf"0?{d}\.{m:02d}\.{y}",
        rf"0?{d}\s+{_RU_MONTHS[m - 1]}\s+{y}",
        rf"0?{d}\s+{_EN_MONTHS[m - 1]}\s+{y}",
        rf"{_EN_MONTHS[m - 1]}\s+0?{d},?\s+{y}",
    ]
    for pattern in patterns:
        match = re.search(rf"(?<!\d){pattern}(?!\d)", text, flags=re.IGNORECASE)
        if match:
            return match.group(0)
    return ""
