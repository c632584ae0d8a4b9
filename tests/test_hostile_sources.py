"""Hostile sources for `add` and feeds (issue 23): internal addresses are never contacted, each source fails
on its own in one line, what is written is always storable, and one deadline bounds a whole download.

Every server here is on 127.0.0.1, started by the tests; no outside address is ever contacted (the private
and link-local addresses below are refused before any connection is tried)."""

import datetime as dt
import ipaddress
import random
import socket
import subprocess
import sys
import threading
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from retrieval import ingest
from retrieval.addresses import refusal
from retrieval.corpus import load_corpus
from retrieval.ingest import manifest
from retrieval.ingest.extract import extract, storable
from retrieval.ingest.fetch import Fetching, SourceError, fetch

LOCAL = Fetching(timeout=5, allow_loopback=True)
GENERATED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ARTICLE = ("Belarusian lift maker Mogilevliftmash will supply 500 lifts to Yekaterinburg housing estates under a "
           "contract signed at INNOPROM. The first lifts will be installed this autumn, and the company plans to "
           "open a service centre in the city next year to maintain them.")


def http(body: bytes, content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
         headers: tuple[str, ...] = ()) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def redirect(location: str) -> bytes:
    return http(b"", status="302 Found", headers=(f"Location: {location}",))


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS feed of (title, link, pubDate) items; the title is put in as given (markup and references)."""
    body = "".join(f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"
                   for title, link, date in items)
    return http(f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
                f"<link>http://x/</link><description>d</description>{body}</channel></rss>".encode(),
                "application/rss+xml")


def run_add(corpus, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "retrieval", "add", "--corpus", str(corpus), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


# --- 1. internal addresses: refused before connecting, on every hop --------------------------------------

def test_every_spelling_of_this_machine_is_refused_and_never_contacted(site, corpus):
    port = site.server.server_address[1]
    hosts = ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "0.0.0.0", "2130706433", "0x7f.1", "0x7f000001",
             "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"]
    sources = [f"http://{host}:{port}/news/belta-en.html" for host in hosts]
    before, requests = (corpus / "documents.yaml").read_bytes(), len(site.requests)
    result = run_add(corpus, *sources)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == len(sources), result.stderr
    for source, line in zip(sources, lines):
        if "0177" in source:  # httpx takes no octal spelling at all
            assert line == f"error: {source}: is not a usable address (Invalid IPv4 address: '0177.0.0.1')"
            continue
        assert line.startswith(f"error: {source}: refused: ") and "only public addresses are fetched" in line
        assert any(kind in line for kind in ("a loopback address", "an unspecified address")), line
    assert len(site.requests) == requests and (corpus / "documents.yaml").read_bytes() == before


@pytest.mark.parametrize("location, problem", [
    ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[::ffff:192.168.1.1]/", "::ffff:192.168.1.1 is a private address"),
    ("http://0.0.0.0:{port}/news/belta-en.html", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("file:///etc/passwd", "redirects to a file: address; only http and https are followed"),
    ("ftp://127.0.0.1:{ftp}/x", "redirects to a ftp: address; only http and https are followed"),
])
def test_a_redirect_is_checked_like_the_first_address(site, location, problem):
    with socket.create_server(("127.0.0.1", 0)) as ftp:
        ftp.settimeout(0.2)
        site.raw["/hop"] = redirect(location.format(port=site.server.server_address[1],
                                                    ftp=ftp.getsockname()[1]))
        with pytest.raises(SourceError) as refused:
            fetch(site.url("/hop"), fetching=LOCAL)
        assert problem in str(refused.value) and "loop" not in str(refused.value)
        with pytest.raises(socket.timeout):
            ftp.accept()  # nothing ever connected to the "FTP server"


def test_loopback_is_refused_by_default_in_the_library_too(site):
    before = len(site.requests)
    with pytest.raises(SourceError, match="127.0.0.1 is a loopback address"):
        fetch(site.url("/news/belta-en.html"))
    assert len(site.requests) == before


NOT_PUBLIC = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::1/128", "::/128", "fc00::/7", "fe80::/10",
    "fec0::/10", "ff00::/8")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NOT_PUBLIC).flatmap(lambda net: st.integers(0, net.num_addresses - 1).map(
    lambda offset: net.network_address + offset)), st.booleans())
def test_no_address_of_a_non_public_network_passes_in_any_form(address, wrapped):
    forms = [str(address)] + ([f"::ffff:{address}", f"64:ff9b::{address}"] if wrapped and address.version == 4 else [])
    for shown in forms:
        assert refusal(shown) != ""
        assert (refusal(shown, allow_loopback=True) == "") == address.is_loopback


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses())
def test_an_address_passes_only_when_it_is_public(address):
    inner = address.ipv4_mapped if address.version == 6 and address.ipv4_mapped else address
    if inner in ipaddress.ip_network("64:ff9b::/96"):
        inner = ipaddress.IPv4Address(int(inner) & 0xFFFFFFFF)
    if refusal(str(address)) == "":
        assert inner.is_global and not (inner.is_private or inner.is_loopback or inner.is_multicast
                                        or inner.is_link_local or inner.is_reserved or inner.is_unspecified)


# --- 2. each source fails on its own, in one line; the good ones are added ---------------------------------

def test_broken_servers_each_fail_in_one_line_and_the_good_source_is_still_added(site, corpus):
    site.raw.update({
        "/hello": b"HELLO THERE\r\n\r\n",
        "/headers": http(b"<p>x</p>", headers=tuple(f"X-Header-{n}: {n}" for n in range(150))),
        "/long-header": http(b"<p>x</p>", headers=("X-Long: " + "a" * 70_000,)),
        "/cut-chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"100\r\n<p>only part of it",
        "/short": http(b"<p>short</p>")[:-4],  # a body shorter than its Content-Length
        "/math": http(b"<math><p><div>"),
        "/trickle": _trickle,
    })
    bad = ["http://127.0.0.1:abc/x", "http://xn--zz/"] + [site.url(p) for p in ("/hello", "/headers", "/long-header", "/cut-chunked",
                                                               "/short", "/math", "/trickle")]
    good = site.url("/news/belta-en.html")
    result = run_add(corpus, "--allow-loopback", "--timeout", "2", *bad[:5], good, *bad[5:])
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == bad, result.stderr
    assert "is not a usable address" in lines[0] and lines[1].endswith("is not a usable address (Invalid A-label)")
    assert "did not answer in HTTP" in lines[2]
    assert "has no article text" in lines[3]  # 150 short headers are legal: the page is read, and is empty
    assert "has no article text" in lines[4]  # so is a 70 kB header line (httpcore takes up to 100 kB)
    assert all("did not answer in HTTP" in line for line in lines[5:7])
    assert lines[7].endswith("could not be read as an article (AssertionError)")  # htmldate's, on <math><p><div>
    assert lines[8].endswith("not downloaded within 2 s")  # the trickle would go on for 12 s
    assert "added gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk" in result.stdout
    assert "gomselmash" in {d.id.split("-")[0] for d in load_corpus(corpus).documents}


def test_a_bad_feed_does_not_stop_the_feeds_after_it(site, corpus):
    site.raw.update({
        "/surrogate.xml": rss(("Title &#55296; here", site.url("/news/cluttered.html"), "Wed, 09 Jul 2025 10:00:00 GMT")),
        "/far-future.xml": http(b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
                                b"<entry><title>e</title><link href='" + site.url("/news/no-date.html").encode()
                                + b"'/><updated>9999-12-31T23:00:00-05:00</updated></entry></feed>",
                                "application/atom+xml"),
        "/hello.xml": b"HELLO THERE\r\n\r\n",
        "/inside.xml": rss(("metadata", "http://169.254.169.254/latest/meta-data/", ""), ("lan", "http://10.1.1.1/", "")),
    })
    site.feed_items = ["belta-en"]
    feeds = [site.url(p) for p in ("/hello.xml", "/inside.xml", "/surrogate.xml", "/far-future.xml", "/feed.xml")]
    result = run_add(corpus, "--allow-loopback", *[arg for feed in feeds for arg in ("--feed", feed)])
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"error: {feeds[0]}: did not answer in HTTP")
    assert "169.254.169.254 is a link-local address" in lines[1] and "10.1.1.1 is a private address" in lines[2]
    ids = {d.id: d for d in load_corpus(corpus).documents}
    assert "belaz-shows-a-240-tonne-electric-dump-truck-at-innoprom" in ids  # the surrogate feed's entry
    assert ids["minsk-tractor-works-opens-a-service-centre-in-yekaterinburg"].date == ""  # year 10000: no date
    assert "gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk" in ids  # the last feed still ran


# --- 3. whatever a feed or page carries, what is written loads again --------------------------------------

def test_control_and_non_characters_never_reach_the_manifest(site, corpus):
    titles = {"A\u0081B": "AB", "C&#xFFFE;D": "CD", "E\uffffF": "EF", "G&#1;H": "GH", "I\x7fJ\u2028K": "IJ K"}
    for n in range(len(titles)):
        site.raw[f"/plain{n}"] = http(_words(n).encode(), "text/plain; charset=utf-8")
    site.raw["/titled"] = http(f"<html><head><title>Lifts&#1; for &#x81;Yekaterinburg</title></head><body>"
                               f"<p>{ARTICLE}</p><p>{ARTICLE.replace('500', '700')}</p></body></html>".encode())
    site.raw["/odd.xml"] = rss(*[(title, site.url(f"/plain{n}"), "Wed, 09 Jul 2025 10:00:00 GMT")
                                 for n, title in enumerate(titles)], ("page", site.url("/titled"), ""))
    result = run_add(corpus, "--allow-loopback", "--feed", site.url("/odd.xml"))
    added = [line for line in result.stdout.splitlines() if line.startswith("added ")]
    assert result.returncode == 0 and len(added) == len(titles) + 1, result.stdout + result.stderr
    documents = {d.title: d for d in load_corpus(corpus).documents}  # the manifest loads
    assert set(titles.values()) | {"Lifts for Yekaterinburg"} <= set(documents)
    assert documents["AB"].date == "2025-07-09"


def _words(seed: int) -> str:
    """An English text of its own (no two share five words in a row), long enough to be an article."""
    words = ("plant tractor lift order city region export steel truck engine factory contract supply line worker "
             "design bus tram crane boiler pump valve cable grid rail port market plan project budget").split()
    return " ".join(random.Random(seed).choices(words, k=80)) + "."


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@GENERATED
@given(title=st.text(max_size=40), reference=st.integers(0, 0x10FFFF + 10), publisher=st.text(max_size=20),
       year=st.integers(0, 10000), month=st.integers(1, 12), day=st.integers(1, 31),
       offset=st.sampled_from(["GMT", "+0500", "-0500", "+1400", "-1200"]))
def test_any_feed_entry_is_stored_as_text_yaml_reads_back(site, title, reference, publisher, year, month, day, offset):
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass").decode("utf-8",
                                                                                                       "replace")
    site.raw["/plain"] = http((ARTICLE + "\nSource: " + publisher.replace("\n", " ")).encode("utf-8", "replace"),
                              "text/plain; charset=utf-8")
    date = f"{day:02d} {MONTHS[month - 1]} {year:04d} 23:30:00 {offset}"
    site.raw["/generated.xml"] = rss((f"{escaped}&#{reference};", site.url("/plain"), date))
    prepared = ingest.prepare_feed(site.url("/generated.xml"), _NO_ARTICLES, LOCAL)
    assert all(line.startswith(site.url("/")) and "\n" not in line for line in prepared.refused)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    for article in prepared.articles:
        for name in ("title", "publisher", "url", "date"):
            value = getattr(article, name)
            assert value == storable(value)
        assert article.date == "" or ingest.FIRST_FEED_DATE <= dt.date.fromisoformat(article.date) <= tomorrow
        entry = yaml.safe_load(manifest.entry("x", article))[0]
        assert (entry["title"], entry["publisher"]) == (article.title, article.publisher)


class _NoArticles:
    documents = ()


_NO_ARTICLES = _NoArticles()


# --- 4. one deadline for the whole download; the lock only while writing; a cap on feed entries ------------

def _trickle(out) -> None:
    """A server sending a byte every 0.2 s for 12 s: no single read waits long, the download does."""
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(60):
        out.write(b"x")
        out.flush()
        time.sleep(0.2)


def test_a_server_sending_a_byte_a_second_is_cut_at_the_deadline(site):
    site.raw["/trickle"] = _trickle
    started = time.monotonic()
    with pytest.raises(SourceError, match="not downloaded within 1 s"):
        fetch(site.url("/trickle"), fetching=Fetching(timeout=1, allow_loopback=True))
    assert time.monotonic() - started < 6  # the trickle would last 12 s; a per-read timeout never fires


def test_fetching_does_not_hold_the_corpus_lock(site, corpus):
    site.raw["/slow-page"] = lambda out: (time.sleep(1.5), out.write(http(b"<p>late</p>")))
    adding = threading.Thread(target=ingest.add, args=(corpus, [site.url("/slow-page")]),
                              kwargs={"fetching": LOCAL})
    adding.start()
    deadline = time.monotonic() + 30
    while "/slow-page" not in site.requests:  # the page is being fetched now
        assert time.monotonic() < deadline
        time.sleep(0.02)
    took = threading.Event()

    def lock():
        with manifest.locked(corpus):
            took.set()

    locker = threading.Thread(target=lock)
    locker.start()
    assert took.wait(2) and adding.is_alive()  # the lock was free while the page was still being fetched
    adding.join()
    locker.join()


def test_a_feed_gives_at_most_max_entries_a_run(site, corpus):
    site.raw["/plain"] = http(ARTICLE.encode(), "text/plain")
    site.raw["/long.xml"] = rss(*[(f"entry {n}", site.url(f"/plain?n={n}"), "") for n in range(300)])
    before = len(site.requests)
    report = ingest.add_feed(corpus, site.url("/long.xml"), dry_run=True, fetching=LOCAL, max_entries=3)
    assert len(site.requests) - before == 1 + 3  # the feed and three entries; the rest were not fetched
    assert "297 more new entries are left for the next run" in "\n".join(report.lines())


def test_a_compressed_body_is_cut_at_the_limit_as_it_inflates(site):
    import gzip
    import tracemalloc

    bomb = gzip.compress(b"<p>" + b"0" * 200 * 2**20)  # 200 MB of page in about 200 kB
    site.raw["/bomb"] = http(bomb, headers=("Content-Encoding: gzip",))
    site.raw["/twice"] = http(gzip.compress(gzip.compress(b"<p>x</p>")), headers=("Content-Encoding: gzip, gzip",))
    site.raw["/brotli"] = http(b"\x1b\x00", headers=("Content-Encoding: br",))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="is more than the 5 MB limit"):
            fetch(site.url("/bomb"), fetching=LOCAL)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20  # a few times the 5 MB limit, nowhere near the 200 MB it inflates to
    for path, encoding in (("/twice", "gzip, gzip"), ("/brotli", "br")):
        with pytest.raises(SourceError, match=f"is sent '{encoding}'-encoded"):
            fetch(site.url(path), fetching=LOCAL)
    site.raw["/gzip"] = http(gzip.compress(f"<html><body><p>{ARTICLE}</p></body></html>".encode()),
                             headers=("Content-Encoding: gzip",))
    assert "Mogilevliftmash" in extract(fetch(site.url("/gzip"), fetching=LOCAL)).text  # an honest one is read


def test_a_page_that_is_an_address_is_never_fetched_by_a_parser(site):
    """htmldate downloads, with its own unchecked client, any text it is given that starts with "http" and
    has no space: such a page body must reach it only parsed."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        words = "\n".join(ARTICLE.split())
        body = f"http://127.0.0.1:{listener.getsockname()[1]}/x<html><body><p>{words}</p></body></html>"
        site.raw["/address"] = http(body.encode("cp1251"), "text/html; charset=windows-1251")
        try:
            extract(fetch(site.url("/address"), fetching=LOCAL))
        except SourceError:
            pass  # refused or not, what matters is below
        with pytest.raises(socket.timeout):
            listener.accept()


# --- and: the declared charset, a short body, a feed date of year 1 ---------------------------------------

def test_a_windows_1251_page_is_read_in_its_declared_charset(site):
    text = "Белорусский завод поставит лифты в Екатеринбург. " * 10
    site.raw["/cp1251"] = http(text.encode("cp1251"), "text/plain; charset=windows-1251")
    article = extract(fetch(site.url("/cp1251"), fetching=LOCAL))
    assert article.paragraphs[0].startswith("Белорусский завод") and article.language == "ru"


def test_a_feed_date_out_of_range_is_left_empty(site, corpus):
    site.raw["/plain"] = http(ARTICLE.encode(), "text/plain")
    site.raw["/year-one.xml"] = http(
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title><entry><title>e</title>"
        b"<link href='" + site.url("/plain").encode() + b"'/><updated>0001-01-01T00:00:00+05:00</updated></entry>"
        b"</feed>", "application/atom+xml")
    report = ingest.add_feed(corpus, site.url("/year-one.xml"), dry_run=True, fetching=LOCAL)
    assert report.added[0].article.date == ""
    assert "left empty, not stated by the source: publisher, date" in "\n".join(report.lines())


# --- generated servers: any status, headers and body end in an article or one SourceError ------------------

_token = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
_header = st.tuples(_token, st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=60))


@GENERATED
@given(status=st.integers(100, 999), headers=st.lists(_header, max_size=200),
       content_type=st.sampled_from(["text/html", "text/plain", "text/html; charset=koi8-r", "text/plain; charset=x",
                                     "application/xhtml+xml", "image/png", ""]),
       body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8", "replace")),
                      st.lists(st.sampled_from(["<p>", "</p>", "<div>", "<math>", "<title>", "&#1;", "&#55296;",
                                                "<script>", "\x00", "Мог", "lift ", "<![CDATA[", "<?xml ", "&"]),
                               max_size=300).map(lambda parts: "".join(parts).encode("utf-8", "replace"))))
def test_any_answer_is_an_article_or_one_clear_refusal(site, status, headers, content_type, body):
    head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    site.raw["/generated"] = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
    try:
        article = extract(fetch(site.url("/generated"), fetching=LOCAL))
    except SourceError as error:
        assert str(error).startswith(site.url("/generated") + ": ") and "\n" not in str(error)
        return
    assert all(getattr(article, name) == storable(getattr(article, name)) for name in ("title", "publisher"))
    assert article.text == storable(article.text, lines=True)
