"""The saved index: reused while valid, rebuilt (never trusted, never fatal) when stale or damaged."""

import numpy as np
import pytest

from retrieval import Engine
from retrieval import indexfile
from conftest import ROOT

QUESTION = "Какое соглашение подписал МАЗ?"


@pytest.fixture
def corpus(tmp_path):
    """A copy of the project corpus in a writable folder."""
    import shutil
    root = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", root, ignore=shutil.ignore_patterns(indexfile.INDEX_FILE + "*"))
    return root


@pytest.fixture
def builds(monkeypatch):
    """Counts full builds (analysis of every passage)."""
    count = [0]
    original = Engine.build.__func__

    def counting(cls, *args, **kwargs):
        count[0] += 1
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Engine, "build", classmethod(counting))
    return count


def test_the_index_is_saved_and_reused(corpus, builds):
    first = Engine.load(corpus)
    assert builds[0] == 1 and (corpus / indexfile.INDEX_FILE).exists()
    second = Engine.load(corpus)
    assert builds[0] == 1
    assert [h.as_json() for h in first.search(QUESTION)] == [h.as_json() for h in second.search(QUESTION)]
    assert np.array_equal(first.index.weights, second.index.weights)
    assert not list(corpus.glob("*.tmp"))


def test_a_changed_article_or_glossary_rebuilds(corpus, builds):
    Engine.load(corpus)
    article = corpus / "articles" / "innoprom-day-two-delegation.txt"
    article.write_text(article.read_text() + "\nA new paragraph about BelAZ dump trucks.", encoding="utf-8")
    engine = Engine.load(corpus)
    assert builds[0] == 2 and engine.search("BelAZ dump trucks new paragraph")
    with open(corpus / "glossary.yaml", "a", encoding="utf-8") as glossary:
        glossary.write("- en: [haul road]\n  ru: [карьерная дорога]\n")
    Engine.load(corpus)
    assert builds[0] == 3


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign", "empty"])
def test_a_damaged_index_is_rebuilt_not_trusted(corpus, builds, damage):
    Engine.load(corpus)
    path = corpus / indexfile.INDEX_FILE
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00not an index" * 100)
    elif damage == "foreign":
        np.savez(open(path, "wb"), meta=np.frombuffer(b'{"format": 1, "key": "other"}', dtype=np.uint8))
    else:
        path.write_bytes(b"")
    engine = Engine.load(corpus)
    assert builds[0] == 2 and engine.search(QUESTION)[0].paragraph == 3
    assert Engine.load(corpus) and builds[0] == 2  # and the rebuilt file is good again


def test_arrays_that_do_not_fit_are_refused(corpus, builds):
    engine = Engine.load(corpus)
    key = indexfile.corpus_key(engine.corpus, engine.analyzer.fingerprint)
    engine.index.doc_ids[0] = 10**6
    indexfile.save(corpus / indexfile.INDEX_FILE, key, engine.passages, engine.index)
    assert indexfile.load(corpus / indexfile.INDEX_FILE, key) is None


def test_an_unwritable_folder_is_not_fatal(corpus, builds, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(indexfile.os, "replace", refuse)
    engine = Engine.load(corpus)
    assert engine.search(QUESTION) and not (corpus / indexfile.INDEX_FILE).exists()
    assert not list(corpus.glob("*.tmp"))


def test_bench_command_prints_a_row_per_size(tmp_path):
    import subprocess
    import sys
    result = subprocess.run(
        [sys.executable, "-m", "retrieval", "bench", "--source", str(ROOT / "corpus"),
         "--questions", str(ROOT / "tests" / "questions.yaml"), "--sizes", "60,120", "--queries", "10",
         "--baseline-queries", "3"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [int(row[0]) for row in rows] == [60, 120] and all(len(row) == 12 for row in rows)
