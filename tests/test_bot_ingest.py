"""The running bot picks up new articles without a restart: an admin's /add, and feeds polled on a schedule.
A broken feed listed first neither stops the feed after it nor repeats its report at every poll, and a slow
page being added does not hold /reload."""

import html
import shutil
import time

import pytest

from botapi import BotApiStandIn
from conftest import ROOT, launch_bot
from newssite import NewsSite
from retrieval.index import indexfile
from test_bot_e2e import EN_USER, RU_USER, TOKEN, ask, message

ADMIN = RU_USER["id"]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """A bot serving a copy of the corpus, with an admin and a feed of the news site stand-in (empty at first)."""
    folder = tmp_path_factory.mktemp("bot-ingest")
    corpus = folder / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(indexfile.INDEX_FILE + "*"))
    with NewsSite() as site, BotApiStandIn(TOKEN) as api:
        site.feed_items = []
        site.raw["/broken.xml"] = b"HELLO THERE\r\n\r\n"
        log = open(folder / "bot.log", "w+")
        process = launch_bot(api, folder, log, BOT_ADMINS=str(ADMIN), BOT_CORPUS=str(corpus),
                             BOT_FEEDS=f"{site.url('/broken.xml')},{site.url('/feed.xml')}", BOT_FEED_INTERVAL_MINUTES="0.02",
                             BOT_FETCH_TIMEOUT="2", BOT_RATE_LIMIT_MESSAGES="30", BOT_FETCH_ALLOW_LOOPBACK="true")
        api.site, api.corpus = site, corpus
        yield api
        process.kill()
        process.wait()
        log.close()


def command(api, text: str, about: str) -> dict:
    """Push an admin's command; the bot's reply that mentions `about` (the feeds' reports to the same admin
    can come in between)."""
    before = len(api.calls_of("sendMessage"))
    api.push(message(text))
    return api.wait_for(lambda calls: next((p for p in [p for m, p in calls if m == "sendMessage"][before:]
                                            if about in p["text"]), None), timeout=30)


def test_an_admin_adds_a_page_and_the_next_question_is_answered_from_it(running):
    site = running.site
    assert "300 combine harvesters" not in ask(running, message("How many combine harvesters will Gomselmash supply?",
                                                                 user=EN_USER), chat_id=EN_USER["id"])["text"]
    reply = command(running, f"/add {site.url('/news/belta-en.html')}", "belta-en.html")
    assert "added gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk" in reply["text"]
    assert "BelTA (from the page's site name)" in html.unescape(reply["text"])
    answer = ask(running, message("How many combine harvesters will Gomselmash supply?", user=EN_USER),
                 chat_id=EN_USER["id"])
    assert "300 combine harvesters" in answer["text"]
    assert (running.corpus / "articles" / "gomselmash-to-supply-300-combine-harvesters-to-sverdlovsk.txt").exists()


def test_a_failing_add_keeps_the_corpus_and_says_why(running):
    reply = command(running, f"/add {running.site.url('/404')}", "/404")
    assert "✗" in reply["text"] and "HTTP 404" in reply["text"]
    running.site.raw["/math"] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 14\r\n\r\n<math><p><div>"
    reply = command(running, f"/add {running.site.url('/math')}", "/math")  # htmldate fails on it: one line
    assert "could not be read as an article (AssertionError)" in reply["text"]
    assert "MAZ" in ask(running, message("What agreement did MAZ sign?", user=EN_USER), chat_id=EN_USER["id"])["text"]


def test_add_is_for_admins_and_needs_an_address(running):
    assert "administrators" in ask(running, message(f"/add {running.site.url('/news/no-date.html')}",
                                                    user=EN_USER), chat_id=EN_USER["id"])["text"]
    assert "/add https://" in command(running, "/add", "/add https://")["text"]


def test_a_new_feed_entry_is_added_served_and_reported_to_the_admin(running):
    running.site.feed_items = ["cluttered"]
    report = running.wait_for(lambda calls: next((p for m, p in calls if m == "sendMessage"
                                                  and int(p["chat_id"]) == ADMIN and "/feed.xml" in p["text"]), None),
                              timeout=60)
    assert "added belaz-shows-a-240-tonne-electric-dump-truck-at-innoprom" in report["text"]
    answer = ask(running, message("How long does it take to recharge the BelAZ electric dump truck?", user=EN_USER),
                 chat_id=EN_USER["id"])
    assert "40 minutes" in answer["text"]


def test_a_broken_feed_is_reported_once_and_the_next_feed_is_still_polled(running):
    site = running.site
    running.wait_for(lambda calls: site.requests.count("/broken.xml") >= 3 and site.requests.count("/feed.xml") >= 3,
                     timeout=60)
    reports = [p["text"] for p in running.calls_of("sendMessage") if int(p["chat_id"]) == ADMIN
               and "/broken.xml" in p["text"]]
    assert len(reports) == 1 and "did not answer in HTTP" in reports[0]


def test_a_slow_page_being_added_does_not_hold_reload(running):
    running.site.raw["/slow-article"] = lambda out: (time.sleep(4), out.write(b"HTTP/1.1 404 Not Found\r\n"
                                                                              b"Content-Length: 0\r\n\r\n"))
    before = len(running.calls_of("sendMessage"))
    running.push(message(f"/add {running.site.url('/slow-article')}"))
    time.sleep(0.5)
    command(running, "/reload", "Корпус перечитан")
    replies = [p["text"] for p in running.calls_of("sendMessage")[before:] if int(p["chat_id"]) == ADMIN]
    assert not any("slow-article" in text for text in replies)  # /reload answered while the page was being read
    added = running.wait_for(lambda calls: next((p for m, p in calls[before:] if m == "sendMessage"
                                                 and "slow-article" in p.get("text", "")), None), timeout=30)
    assert "not downloaded within 2 s" in added["text"]
