"""The saved index: reused while valid, rebuilt (never trusted, never fatal) when stale or damaged."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

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
    key = indexfile.corpus_key(engine.corpus)
    engine.index.doc_ids[0] = 10**6
    indexfile.save(corpus / indexfile.INDEX_FILE, key,
                   indexfile.SavedIndex(engine.passages, engine.index, engine.analyzer.glossary, engine.vectors))
    assert indexfile.load(corpus / indexfile.INDEX_FILE, key, len(engine.documents)) is None


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
    assert [int(row[0]) for row in rows] == [60, 120] and all(len(row) == 12 for row in rows)  # passages … serve MiB


# --- index files of the wrong shape (issue 8, item 4): each is refused and rebuilt, never a crash or a hang ----

def _rewrite(path, **replace):
    """The saved file with some arrays replaced (the key kept, so only the validator can refuse it)."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(replace)
    with open(path, "wb") as out:
        np.savez(out, **arrays)


def _meta(path) -> dict:
    import json
    with np.load(path) as data:
        return json.loads(data["meta"].tobytes())


def _as_meta(value) -> np.ndarray:
    import json
    return np.frombuffer(json.dumps(value).encode(), dtype=np.uint8)


def _bad_files(path):
    """(name, damage) pairs; each damage rewrites the file at `path`."""
    meta = _meta(path)
    with np.load(path) as data:
        indptr, doc_ids, weights = data["indptr"], data["doc_ids"], data["weights"]
    return {
        "meta a list": lambda: _rewrite(path, meta=_as_meta([1, 2])),
        "meta passages a string": lambda: _rewrite(path, meta=_as_meta({**meta, "passages": "x"})),
        "meta passage of another document": lambda: _rewrite(
            path, meta=_as_meta({**meta, "passages": [[99, 1, "x"]] + meta["passages"][1:]})),
        "meta vocabulary repeats": lambda: _rewrite(
            path, meta=_as_meta({**meta, "vocabulary": [meta["vocabulary"][0]] * len(meta["vocabulary"])})),
        "weights float32": lambda: _rewrite(path, weights=weights.astype(np.float32)),
        "weights 2-d": lambda: _rewrite(path, weights=weights.reshape(1, -1)),
        "weights not finite": lambda: _rewrite(path, weights=np.where(weights > 0, np.inf, weights)),
        "doc ids out of range": lambda: _rewrite(path, doc_ids=doc_ids + 10_000),
        "doc ids negative": lambda: _rewrite(path, doc_ids=doc_ids - 10_000),
        "doc ids descending": lambda: _rewrite(path, doc_ids=doc_ids[::-1].copy()),
        "indptr unordered": lambda: _rewrite(path, indptr=indptr[::-1].copy()),
        "indptr int32": lambda: _rewrite(path, indptr=indptr.astype(np.int32)),
        "header of 2^40 elements": lambda: _huge_header(path),
        "a FIFO": lambda: (path.unlink(), __import__("os").mkfifo(path)),
    }


def _huge_header(path):
    import io
    import zipfile
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
    member.write(b"\0" * 8)
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files if name != "weights"}
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())
        archive.writestr("weights.npy", member.getvalue())


@pytest.mark.parametrize("damage", ["meta a list", "meta passages a string", "meta passage of another document",
                                    "meta vocabulary repeats", "weights float32", "weights 2-d", "weights not finite",
                                    "doc ids out of range", "doc ids negative", "doc ids descending",
                                    "indptr unordered", "indptr int32", "header of 2^40 elements", "a FIFO"])
def test_index_files_of_the_wrong_shape_are_rebuilt(corpus, builds, damage):
    Engine.load(corpus)
    _bad_files(corpus / indexfile.INDEX_FILE)[damage]()
    engine = Engine.load(corpus)
    assert builds[0] == 2 and engine.search(QUESTION)[0].paragraph == 3
    assert (corpus / indexfile.INDEX_FILE).is_file()
    assert Engine.load(corpus) and builds[0] == 2  # the rebuilt file is good again


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["indptr", "doc_ids", "weights", "doc_freqs"]), st.integers(0, 10**6),
       st.sampled_from([-(2**31), -1, 0, 1, 7, 2**31 - 1, 10**6]), st.integers(0, 10**6), st.integers(0, 255))
def test_mutated_index_files_never_crash_the_search(corpus, name, position, value, byte_position, byte):
    engine = Engine.load(corpus)
    path = corpus / indexfile.INDEX_FILE
    expected = [h.as_json() for h in engine.search(QUESTION)]
    with np.load(path) as data:
        array = data[name].copy()
    array[position % len(array)] = value
    _rewrite(path, **{name: array})
    raw = bytearray(path.read_bytes())  # and one raw byte flipped: the zip's CRC must catch what the checks cannot
    raw[byte_position % len(raw)] = byte
    path.write_bytes(bytes(raw))
    loaded = indexfile.load(path, indexfile.corpus_key(engine.corpus), len(engine.documents))
    again = Engine.load(corpus)
    results = [h.as_json() for h in again.search(QUESTION)]
    if loaded is None:
        assert results == expected


def test_a_start_with_a_valid_index_neither_parses_nor_compiles_the_glossary(corpus, monkeypatch):
    from retrieval import analysis, corpus as corpus_module
    first = Engine.load(corpus)
    calls = []
    monkeypatch.setattr(corpus_module, "load_glossary", lambda path: calls.append(path))
    monkeypatch.setattr(analysis, "compile_glossary", lambda glossary: calls.append(glossary))
    second = Engine.load(corpus)
    assert calls == [] and second.analyzer.glossary == first.analyzer.glossary
    assert second.search("Какое соглашение подписал МАЗ?")[0].paragraph == 3  # МАЗ ↔ MAZ came from the saved glossary


def test_the_key_changes_with_every_scoring_parameter(corpus, monkeypatch):
    from retrieval import bm25
    engine = Engine.load(corpus)
    keys = {indexfile.corpus_key(engine.corpus)}
    for name, value in (("K1", 1.2), ("B", 0.5), ("EPSILON", 0.1)):
        monkeypatch.setattr(bm25, name, value)
        keys.add(indexfile.corpus_key(engine.corpus))
    assert len(keys) == 4
