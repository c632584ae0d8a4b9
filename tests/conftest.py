import os
import shutil
from collections import Counter
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import DEFAULT_XQUAD as XQUAD  # noqa: F401 - where the data sets beside the project are
from retrieval import Engine
from retrieval.corpus import Document
from retrieval.index import vectorcache

ROOT = Path(__file__).resolve().parent.parent

# The suite's processes (workers and the commands they start) share one vector cache of their own, kept
# between runs in build/ (make clean removes it): a text is encoded once, not in every test that builds.
# INNOPROM_VECTOR_CACHE set (empty: none) chooses another.
os.environ.setdefault(vectorcache.PATH_ENV, str(ROOT / "build" / "test-vectors.sqlite3"))


def article(doc_id: str, language: str, paragraphs: tuple[str, ...]) -> Document:
    """An article with no metadata but its language, for corpora built in a test."""
    return Document(id=doc_id, title="", publisher="", date="", language=language, url="", paragraphs=paragraphs)
# XQuAD lives beside the project, not in it: where it is absent its tests say so and are not run.
needs_xquad = pytest.mark.skipif(not (XQUAD / "xquad.ru.dev.json").exists(),
                                 reason=f"needs XQuAD, not found at {XQUAD} (the data sets beside the project)")


LONGEST_FIRST = ("test_report_split.py", "test_indexfile.py")  # a minute and half a minute on one worker


def pytest_collection_modifyitems(items):
    """The longest modules first: `make test` gives each module to one worker in this order, and a long
    module started last would run alone after the rest."""
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)


def pytest_terminal_summary(terminalreporter, config):
    """At the end of the run, the order's seed (make test's -q hides pytest-randomly's header) and what was not
    run here and why, grouped (pytest's -ra lists them one by one)."""
    seed = config.getoption("randomly_seed", None)
    if seed is not None:
        terminalreporter.write_line(f"tests ran in random order; --randomly-seed={seed} repeats it")
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        reasons = Counter(str(report.longrepr[2]).removeprefix("Skipped: ") for report in skipped)
        terminalreporter.section("not run here")
        for reason, count in reasons.most_common():
            terminalreporter.write_line(f"{count} test{'s' if count > 1 else ''}: {reason}")


def all_scores(index, query: list[str]):
    """Every passage's BM25 score for `query` (zeros where no term matches): the shape rank-bm25's
    `get_scores` returns, for the parity tests."""
    import numpy as np
    result = np.zeros(index.corpus_size)
    candidates, scores = index.candidate_scores(query)
    result[candidates] = scores
    return result


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture(scope="module")
def site():
    """The news site stand-in (tests/newssite.py), one per test module."""
    from newssite import NewsSite
    with NewsSite() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The project corpus with its saved index, built once; `corpus` gives each test its own copy."""
    from retrieval.index import indexfile
    root = tmp_path_factory.mktemp("built") / "corpus"
    shutil.copytree(ROOT / "corpus", root, ignore=shutil.ignore_patterns(indexfile.INDEX_FILE + "*", ".corpus.lock"))
    Engine.load(root)
    return root


@pytest.fixture
def corpus(built, tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(built, root)
    return root


@pytest.fixture
def make_corpus(tmp_path):
    """Write a corpus folder from {relative path: text} and return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return make


def launch_bot(api, folder: Path, output=subprocess.DEVNULL, wait_for: str = "getUpdates", **settings):
    """Start `python -m bot` as in production, talking to the stand-in `api`, with its SQLite file in
    `folder` and extra environment `settings`; return once it made its first `wait_for` call."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url,
           "BOT_STORE": f"sqlite:///{folder / 'bot.sqlite3'}", "BOT_CONFIG": "", "PYTHONUNBUFFERED": "1", **settings}
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=output, stderr=output)
    api.wait_for(lambda calls: any(method == wait_for for method, _ in calls), timeout=60)
    return process
