"""Every kind of message fits Telegram's limit (4096 UTF-16 units) and stays valid HTML, whatever the lengths
and scripts of titles, publishers, paragraphs and excerpts (issue 8, items 1 and 8)."""

import subprocess
import sys

from hypothesis import given, settings, strategies as st

from bot import callbacks, render
from bot.store import Stats
from retrieval import Hit, Paragraph, Source
from conftest import ROOT
from htmlcheck import check_telegram_html

LIMIT = 4096


def hit(excerpt="MAZ signed an agreement", title="", publisher="BelTA", url="", spans=((0, 3),), paragraph=1):
    source = Source(doc_id="d", title=title, publisher=publisher, date="2025-07-07", url=url, language="en")
    return Hit(source=source, paragraph=paragraph, passage=excerpt, excerpt=excerpt, spans=spans, score=1.0)


def document(title, url="", publisher="BelTA", number=0):
    return Source(doc_id=f"d{number}", title=title or "First paragraph.", publisher=publisher, date="2025-07-07",
                  url=url, language="en")


def check(message: str) -> str:
    check_telegram_html(message)
    assert render.telegram_length(message) <= LIMIT
    return message


def test_a_long_first_line_as_title_no_longer_freezes_the_bot(tmp_path):
    """The issue's repro, through the console chat as a user would run it."""
    (tmp_path / "articles").mkdir()
    lines = ["https://e.com/" + "x" * 1500] + [f"Line {i}: the MAZ agreement was signed by plant {i}." for i in range(3)]
    (tmp_path / "articles" / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "documents.yaml").write_text("- id: a\n  file: articles/a.txt\n  language: en\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot"], input="MAZ agreement signed\n", capture_output=True,
                            text=True, cwd=ROOT, timeout=60, env={"BOT_CORPUS": str(tmp_path), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("**MAZ agreement**") == 3 and "x" * 150 in result.stdout


def test_citations_longer_than_the_limit_are_cut_not_looped_on():
    hits = [hit(title="T" * 5000, publisher="P" * 5000, url="https://e.com/" + "u" * 5000)] * 3
    text = check(render.render_hits(hits, "en"))
    assert text.count("<blockquote>") == 3 and "<b>MAZ</b>" in text and "href" not in text


def test_a_huge_excerpt_is_cut_not_emptied():
    excerpt = ("Минский автомобильный завод & <МАЗ> " * 800)[:28_912]
    text = check(render.render_hits([hit(excerpt, spans=((0, 7),))], "ru"))
    quoted = text.split("<blockquote>")[1].split("</blockquote>")[0]
    assert len(quoted) > 2000 and quoted.startswith("<b>Минский</b>") and quoted.endswith("…")


def test_a_paragraph_of_ampersands_or_with_a_long_title_fits():
    check(render.paragraph(Paragraph(hit().source, 1, "&" * 9000), "en"))
    text = check(render.paragraph(Paragraph(hit(title="🙂" * 3000).source, 1, "A paragraph. " * 300), "en"))
    assert "A paragraph." in text


def test_sources_keep_whole_links_and_count_utf16():
    for length in range(1, 300, 5):
        docs = [document("t" * length, url=f"https://e.com/{i}", number=i) for i in range(200)]
        text = check(render.sources(docs, "en"))
        assert text.count("<a href") == text.count("</a>") and "more" in text
    emoji = check(render.sources([document("🙂" * 30, number=i) for i in range(200)], "ru"))
    assert emoji.endswith(tuple(f"ещё {n}" for n in range(1, 200)))


def test_non_http_urls_are_not_linked():
    assert "href" not in render.citation(hit(url="javascript:alert(1)"), "en")
    assert 'href="https://e.com/a"' in render.citation(hit(url="https://e.com/a"), "en")


any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
long_text = st.one_of(any_text, st.tuples(any_text, st.integers(1, 400)).map(lambda t: t[0] * t[1]))
spans = st.lists(st.tuples(st.integers(-5, 3000), st.integers(-5, 3000)), max_size=6).map(tuple)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(long_text, long_text, long_text, long_text, spans), min_size=1, max_size=10),
       st.sampled_from(["ru", "en"]), st.integers(1, 10_000), long_text)
def test_every_message_kind_fits_and_is_valid(rows, lang, first, notice_text):
    hits = [hit(excerpt, title, publisher, "https://e.com/" + url, marks) for excerpt, title, publisher, url, marks in rows]
    check(render.render_hits(hits, lang, first))
    ticket = callbacks.Ticket.issue("key", 2**62 - 1, -1001234567890)
    check(render.answer(hits, lang, ticket, 2, len(hits), True, render.Quote(notice_text).cut(100).html()).text)
    check(render.render_hits(hits[:1], lang))  # what an inline result sends
    check(render.paragraph(Paragraph(hits[0].source, 1, rows[0][0] * 3), lang))
    check(render.sources([document(title, url, publisher, i) for i, (_, title, publisher, url, _) in enumerate(rows)],
                         lang))
    questions = [(excerpt, i) for i, (excerpt, *_rest) in enumerate(rows)]
    check(render.stats(Stats(questions=len(rows), unanswered=1, up=2, down=3, top=questions, missed=questions[::-1]), lang))
