"""Adding articles (issue 10): extraction from news pages, duplicates, feeds, bad sources, concurrent adds.

Nothing here touches the internet: pages and a feed come from a news site stand-in on 127.0.0.1."""

import subprocess
import sys
import warnings

import feedparser
import pytest

from conftest import ROOT
from newssite import PAGES
from retrieval import Engine, ingest
from retrieval.index import indexfile
from retrieval.corpus import load_corpus
from retrieval.ingest.add import _feed_date as feed_date
from retrieval.ingest.extract import extract
from retrieval.ingest.fetch import Fetching, SourceError, fetch

LOCAL = Fetching(allow_loopback=True)  # the stand-in sites are on 127.0.0.1

CLUTTER = ("cookie", "Advertisement", "Most read", "Related news", "truckfan77", "USD 2.95", "Share:", "Newsletter",
           "Log in", "Подписаться", "Читайте также", "Погода", "All rights reserved", "Все права")


def _state(root):
    """Everything an add could change: the manifest's bytes and the article files."""
    return (root / "documents.yaml").read_bytes(), sorted(p.name for p in (root / "articles").iterdir())


# --- extraction: the article and nothing else; metadata stated by the page or empty --------------------

@pytest.mark.parametrize("page, title, date, publisher, language, first, last", [
    ("belta-en", "Gomselmash to supply 300 combine harvesters to Sverdlovsk Oblast", "2025-07-09", "BelTA", "en",
     "YEKATERINBURG, 9 July (BelTA)", "60 dealer centres across the country."),
    ("ru-regional", "МАЗ и Свердловская область подписали соглашение о поставках коммунальной техники",
     "2025-07-08", "", "ru", "На выставке «Иннопром»", "вырос на 12 процентов."),
    ("cluttered", "BelAZ shows a 240-tonne electric dump truck at INNOPROM", "2025-07-08", "Industry Daily", "en",
     "The Belarusian mining truck maker BelAZ", "in Kuzbass next year."),
    ("no-date", "Minsk Tractor Works opens a service centre in Yekaterinburg", "", "", "en",
     "Minsk Tractor Works has opened", "the head of its Russian trading house said."),
    # no date of its own; its "read also" lists (links in the article, an aside) carry other articles' dates
    ("sidebar-dates", "Гомельский завод покажет новые комбайны на Урале", "", "", "ru",
     "Гомсельмаш привезёт на выставку", "открытие новых сервисных центров в регионе."),
])
def test_a_news_page_gives_its_article_and_only_what_it_states(site, page, title, date, publisher, language, first,
                                                                 last):
    article = extract(fetch(site.url(f"/news/{page}.html"), fetching=LOCAL))
    assert (article.title, article.date, article.publisher, article.language) == (title, date, publisher, language)
    assert article.url == site.url(f"/news/{page}.html")
    assert article.paragraphs[0].startswith(first) and article.paragraphs[-1].endswith(last)
    assert not any(word in article.text for word in CLUTTER)
    assert title not in article.paragraphs  # the headline is the title, not a paragraph


def test_a_date_is_taken_only_when_the_page_writes_it_out(tmp_path):
    """htmldate's wide search turns '© 2025' into 2025-01-01; that is not a date the page states."""
    html = (PAGES / "ru-regional.html").read_text(encoding="utf-8").replace("8 июля 2025, 14:32", "")
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    assert extract(fetch(str(tmp_path / "page.html"))).date == ""


@pytest.mark.parametrize("dates, day", [
    ("<updated>2025-07-08T10:00:00Z</updated>", "2025-07-08"),  # Atom's only date
    ("<published>2025-07-07T10:00:00Z</published><updated>2025-07-08T10:00:00Z</updated>", "2025-07-07"),
    ("<published>not a date</published>", ""),
])
def test_a_feed_entry_gives_its_published_date_or_else_its_updated_one(dates, day):
    entry = feedparser.parse("<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>t</title>"
                             f"{dates}</entry></feed>").entries[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # feedparser's deprecated fallback from one date to the other warns
        assert feed_date(entry) == day


@pytest.mark.parametrize("page, problem", [("not-article", "has no article text"),
                                            ("german", "is in 'de', and only Russian and English")])
def test_pages_that_are_not_articles_to_serve_are_refused(site, page, problem):
    with pytest.raises(SourceError, match=problem):
        extract(fetch(site.url(f"/news/{page}.html"), fetching=LOCAL))


# --- adding: written, re-indexed, reported; duplicates refused with the existing article named ----------

def test_add_writes_the_article_and_appends_the_entry_keeping_the_manifest(site, corpus):
    before = (corpus / "documents.yaml").read_text(encoding="utf-8")
    report = ingest.add(corpus, [site.url("/news/belta-en.html"), str(PAGES / "no-date.html")], fetching=LOCAL)
    assert [a.doc_id for a in report.added] == ["gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk",
                                                "minsk-tractor-works-opens-a-service-centre-in-yekaterinburg"]
    after = (corpus / "documents.yaml").read_text(encoding="utf-8")
    assert after.startswith(before) and after.count("# ") == before.count("# ")  # comments and layout kept
    docs = {d.id: d for d in load_corpus(corpus).documents}
    gomselmash = docs["gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk"]
    assert (gomselmash.publisher, gomselmash.date, gomselmash.url) == ("BelTA", "2025-07-09",
                                                                        site.url("/news/belta-en.html"))
    tractors = docs["minsk-tractor-works-opens-a-service-centre-in-yekaterinburg"]
    assert (tractors.date, tractors.publisher, tractors.url) == ("", "", "")
    lines = "\n".join(report.lines())
    assert "date: 2025-07-09 (from the page's metadata)" in lines
    assert "left empty, not stated by the source: publisher, date, url" in lines
    hit = report.engine.search("Сколько комбайнов поставит Гомсельмаш?")[0]  # served at once, across languages
    assert hit.doc_id == gomselmash.id and "300 combine harvesters" in hit.passage


def test_the_same_address_text_or_a_republished_copy_is_refused_naming_the_article(site, corpus, tmp_path):
    ingest.add(corpus, [site.url("/news/belta-en.html")], fetching=LOCAL)
    before = _state(corpus)
    (tmp_path / "copy.html").write_bytes((PAGES / "belta-en.html").read_bytes())
    report = ingest.add(corpus, [site.url("/news/belta-en.html?utm_source=tg"), str(tmp_path / "copy.html"),
                                 site.url("/news/republished.html")], fetching=LOCAL)
    assert report.added == [] and _state(corpus) == before
    existing = "'gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk'"
    assert report.refused[0].endswith(f"the same address as article {existing}")
    assert report.refused[1].endswith(f"the same text as article {existing}")
    assert f"a near-duplicate of article {existing}" in report.refused[2]


def test_an_article_already_in_the_seed_corpus_is_refused(corpus, tmp_path):
    seed = (corpus / "articles" / "yefimov-alikhanov-meeting.txt").read_text(encoding="utf-8")
    (tmp_path / "again.txt").write_text("Republished.\n" + seed, encoding="utf-8")
    report = ingest.add(corpus, [str(tmp_path / "again.txt")], fetching=LOCAL)
    assert report.added == [] and "'yefimov-alikhanov-meeting'" in report.refused[0]


def test_two_copies_in_one_batch_add_one(site, corpus):
    report = ingest.add(corpus, [site.url("/news/belta-en.html"), site.url("/news/republished.html")], fetching=LOCAL)
    assert len(report.added) == 1 and "near-duplicate" in report.refused[0]


def test_dry_run_writes_nothing(site, corpus):
    before = _state(corpus)
    index = (corpus / indexfile.INDEX_FILE).read_bytes()
    report = ingest.add(corpus, [site.url("/news/cluttered.html")], dry_run=True, fetching=LOCAL)
    assert [a.doc_id for a in report.added] == ["belaz-shows-a-240-tonne-electric-dump-truck-at-innoprom"]
    assert report.lines()[0].startswith("would add")
    assert _state(corpus) == before and (corpus / indexfile.INDEX_FILE).read_bytes() == index
    assert not (corpus / ".corpus.lock").exists()  # not even the lock file


def test_a_plain_text_file_keeps_its_header_and_trailer(corpus, tmp_path):
    text = ("date 2025-07-10 Belarusian lift maker Mogilevliftmash will supply 500 lifts to Yekaterinburg "
            "housing estates under a contract signed at INNOPROM. The first lifts will be installed this autumn, "
            "and the company plans to open a service centre in the city next year to maintain them.\n"
            "Source: sputnik.by\n")
    (tmp_path / "lifts.txt").write_text(text, encoding="utf-8")
    report = ingest.add(corpus, [str(tmp_path / "lifts.txt")], fetching=LOCAL)
    added = report.added[0]
    assert (added.doc_id, added.article.date, added.article.publisher) == ("lifts", "2025-07-10", "sputnik.by")
    assert (corpus / added.file).read_text(encoding="utf-8") == text


# --- feeds ----------------------------------------------------------------------------------------------

def test_a_feed_added_twice_adds_nothing_the_second_time(site, corpus):
    first = ingest.add_feed(corpus, site.url("/feed.xml"), fetching=LOCAL)
    assert len(first.added) == 3 and first.refused == []
    second = ingest.add_feed(corpus, site.url("/feed.xml"), fetching=LOCAL)
    assert second.added == [] and second.refused == [] and len(second.feed.present) == 3
    tractors = next(a for a in first.added if a.article.title.startswith("Minsk Tractor Works"))
    assert tractors.article.date == "2025-07-09" and tractors.article.found["date"] == "from the feed"


def test_something_that_is_not_a_feed_is_refused(site, corpus):
    before = _state(corpus)
    for path in ("/not-a-feed.xml", "/news/belta-en.html", "/404"):
        report = ingest.add_feed(corpus, site.url(path), fetching=LOCAL)
        assert report.added == [] and report.refused[0].startswith(site.url(path))
    assert _state(corpus) == before


# --- bad sources, through the command line: one line each, nothing written ------------------------------

def test_every_bad_source_is_one_line_naming_it_and_the_corpus_is_unchanged(site, corpus):
    before, index = _state(corpus), (corpus / indexfile.INDEX_FILE).read_bytes()
    sources = [site.url(p) for p in ("/slow", "/404", "/500", "/loop", "/image.png", "/huge")] + \
        [site.url("/news/german.html"), str(PAGES / "missing.html")]
    result = subprocess.run([sys.executable, "-m", "retrieval", "add", "--corpus", str(corpus), "--timeout", "0.5",
                             "--allow-loopback", *sources], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == len(sources), result.stderr
    for source, line in zip(sources, lines):
        assert line.startswith(f"error: {source}: ")
    assert "not downloaded within 0.5 s" in lines[0] and "404" in lines[1] and "500" in lines[2] and "loop" in lines[3]
    assert "image/png" in lines[4] and "5 MB" in lines[5] and "'de'" in lines[6] and "no such file" in lines[7]
    assert _state(corpus) == before and (corpus / indexfile.INDEX_FILE).read_bytes() == index


def test_two_adds_at_once_both_land_and_the_manifest_stays_valid(site, corpus):
    pages = ["belta-en", "cluttered"]
    processes = [subprocess.Popen([sys.executable, "-m", "retrieval", "add", "--corpus", str(corpus),
                                   "--allow-loopback", site.url(f"/news/{page}.html")], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for page in pages]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read()
    ids = {d.id for d in load_corpus(corpus).documents}
    assert {"gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk",
            "belaz-shows-a-240-tonne-electric-dump-truck-at-innoprom"} <= ids
    assert not list(corpus.rglob("*.tmp"))


def test_a_failing_reindex_puts_every_file_back(site, corpus, monkeypatch):
    from retrieval import CorpusError
    before = _state(corpus)
    original = Engine.load.__func__

    def failing(cls, root, saved_index=True, previous=None):
        if previous is not None:
            raise CorpusError(root / "documents.yaml", "simulated failure")
        return original(cls, root, saved_index, previous)

    monkeypatch.setattr(Engine, "load", classmethod(failing))
    with pytest.raises(CorpusError):
        ingest.add(corpus, [site.url("/news/belta-en.html")], fetching=LOCAL)
    assert _state(corpus) == before
