"""The saved index: reused while valid, rebuilt (never trusted, never fatal) when stale or damaged."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from retrieval import Engine
from retrieval import files
from retrieval.index import indexfile
from conftest import XQUAD, ROOT, all_scores, needs_xquad

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
    """Counts builds (a load that analyses or encodes anything)."""
    count = [0]
    original = Engine.build.__func__

    def counting(cls, *args, **kwargs):
        count[0] += 1
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Engine, "build", classmethod(counting))
    return count


@pytest.fixture
def work(monkeypatch):
    """Records the passages each load encodes and analyses: what an update costs."""
    from retrieval import building
    done = {"encoded": [], "analysed": []}
    encode, count = building.encode_passages, building.count_terms
    monkeypatch.setattr(building, "encode_passages", lambda texts: done["encoded"].extend(texts) or encode(texts))
    monkeypatch.setattr(building, "count_terms",
                        lambda texts, analyzer: done["analysed"].extend(texts) or count(texts, analyzer))
    return done


def test_the_index_is_saved_and_reused(corpus, builds):
    first = Engine.load(corpus)
    assert builds[0] == 1 and (corpus / indexfile.INDEX_FILE).exists()
    second = Engine.load(corpus)
    assert builds[0] == 1
    assert [h.as_json() for h in first.search(QUESTION)] == [h.as_json() for h in second.search(QUESTION)]
    assert np.array_equal(first.index.weights, second.index.weights)
    assert not list(corpus.glob("*.tmp"))


def _same_index(a: Engine, b: Engine) -> None:
    assert [(p.doc, p.paragraph, p.text) for p in a.passages] == [(p.doc, p.paragraph, p.text) for p in b.passages]
    assert a.index.postings.terms == b.index.postings.terms
    for name in ("indptr", "doc_ids", "tfs"):
        assert np.array_equal(getattr(a.index.postings, name), getattr(b.index.postings, name))
    assert np.allclose(a.index.weights, b.index.weights, rtol=0, atol=1e-12)
    # the encoder's output shifts in the last float digits with the batch a passage is encoded in; after int8
    # rounding that is at most one step (1/127 of a row's largest component) in a few components
    assert np.abs(a.vectors - b.vectors).max() < 2e-3
    assert np.array_equal(a.sentences.starts, b.sentences.starts)
    assert np.abs(a.sentences.rows.astype(int) - b.sentences.rows).max() <= 1
    assert a.bridge.terms == b.bridge.terms and len(a.bridge.vectors) == len(a.bridge.terms)


def test_a_changed_article_costs_only_that_article(corpus, work):
    Engine.load(corpus)
    article = corpus / "articles" / "innoprom-day-two-delegation.txt"
    article.write_text(article.read_text() + "\nA new paragraph about BelAZ dump trucks.", encoding="utf-8")
    work["encoded"].clear(), work["analysed"].clear()
    engine = Engine.load(corpus)
    changed = [p.text for p in engine.passages if engine.documents[p.doc].id == "innoprom-day-two-delegation"]
    assert sorted(work["encoded"]) == sorted(changed) and sorted(work["analysed"]) == sorted(changed)
    assert engine.search("BelAZ dump trucks new paragraph")
    _same_index(engine, Engine.load(corpus, saved_index=False))  # as if built from nothing


def test_added_and_removed_articles_cost_only_what_changed(corpus, work):
    Engine.load(corpus)
    (corpus / "articles" / "new.txt").write_text("Gomselmash will supply 300 combine harvesters.", encoding="utf-8")
    manifest = corpus / "documents.yaml"
    text = manifest.read_text(encoding="utf-8")
    first_entry = text.index("- id:", text.index("- id:") + 1)  # drop the first article, add one at the end
    manifest.write_text(text[:text.index("- id:")] + text[first_entry:]
                        + "\n- id: new\n  file: articles/new.txt\n  language: en\n", encoding="utf-8")
    work["encoded"].clear(), work["analysed"].clear()
    engine = Engine.load(corpus)
    assert work["encoded"] == work["analysed"] == ["Gomselmash will supply 300 combine harvesters."]
    assert engine.search("How many combine harvesters will Gomselmash supply?")[0].doc_id == "new"
    _same_index(engine, Engine.load(corpus, saved_index=False))


def test_a_changed_glossary_counts_terms_again_but_keeps_the_vectors(corpus, work):
    Engine.load(corpus)
    with open(corpus / "glossary.yaml", "a", encoding="utf-8") as glossary:
        glossary.write("- en: [haul road]\n  ru: [карьерная дорога]\n")
    work["encoded"].clear(), work["analysed"].clear()
    engine = Engine.load(corpus)
    assert work["encoded"] == [] and len(work["analysed"]) == len(engine.passages)
    _same_index(engine, Engine.load(corpus, saved_index=False))


def test_a_reload_with_a_previous_engine_reads_no_index_file(corpus, work, monkeypatch):
    first = Engine.load(corpus)
    monkeypatch.setattr(indexfile, "load", lambda *args: pytest.fail("the file was read"))
    work["encoded"].clear(), work["analysed"].clear()
    again = Engine.load(corpus, previous=first)
    assert work["encoded"] == work["analysed"] == [] and again.search(QUESTION)[0].paragraph == 3
    (corpus / "articles" / "new.txt").write_text("Gomselmash will supply 300 combine harvesters.", encoding="utf-8")
    with open(corpus / "documents.yaml", "a", encoding="utf-8") as manifest:
        manifest.write("\n- id: new\n  file: articles/new.txt\n  language: en\n")
    updated = Engine.load(corpus, previous=again)
    assert work["encoded"] == ["Gomselmash will supply 300 combine harvesters."]
    assert updated.search("Gomselmash combine harvesters")[0].doc_id == "new"
    monkeypatch.undo()
    _same_index(updated, Engine.load(corpus))  # and what it saved is what it serves


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
    engine.index.postings.doc_ids[0] = 10**6
    indexfile.save(corpus / indexfile.INDEX_FILE, engine.snapshot())
    assert indexfile.load(corpus / indexfile.INDEX_FILE, engine.key) is None


def test_an_unwritable_folder_is_not_fatal(corpus, builds, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(files.os, "replace", refuse)  # the rename every atomic write ends with
    engine = Engine.load(corpus)
    assert engine.search(QUESTION) and not (corpus / indexfile.INDEX_FILE).exists()
    assert not list(corpus.glob("*.tmp"))


def test_bench_command_prints_a_row_per_size(tmp_path):
    import subprocess
    import sys
    result = subprocess.run(
        [sys.executable, "-m", "lab", "bench", "--source", str(ROOT / "corpus"),
         "--questions", str(ROOT / "tests" / "questions.yaml"), "--sizes", "20,40", "--queries", "5",
         "--baseline-queries", "3"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [int(row[0]) for row in rows] == [20, 40] and all(len(row) == 16 for row in rows)  # passages … serve MiB
    assert all(row[7] == row[8] == "nan" for row in rows)  # a corpus folder has no parallel questions
    assert all(float(row[9]) > 0 for row in rows)  # other questions, timed with a busy process beside


@needs_xquad
def test_bench_times_the_same_questions_in_the_other_language():
    from lab.bench import other_language_questions, source_texts
    english = source_texts(XQUAD / "xquad.en.dev.json", None)[1]
    russian = other_language_questions(XQUAD / "xquad.en.dev.json")
    assert len(russian) == len(english) and russian[0] != english[0] and any("а" <= c <= "я" for c in russian[0])
    assert other_language_questions(ROOT / "corpus") == []


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
        indptr, doc_ids, tfs = data["indptr"], data["doc_ids"], data["tfs"]
        bridge_vectors, sentence_starts = data["bridge_vectors"], data["sentence_starts"]
    first = meta["articles"][0]
    return {
        "meta a list": lambda: _rewrite(path, meta=_as_meta([1, 2])),
        "meta articles a string": lambda: _rewrite(path, meta=_as_meta({**meta, "articles": "x"})),
        "meta passage outside its paragraph": lambda: _rewrite(path, meta=_as_meta(
            {**meta, "articles": [first[:4] + [[[1, 0, 10**6]] + first[4][1:]]] + meta["articles"][1:]})),
        "meta passage of a missing paragraph": lambda: _rewrite(path, meta=_as_meta(
            {**meta, "articles": [first[:4] + [[[99, 0, 1]] + first[4][1:]]] + meta["articles"][1:]})),
        "meta digest not a digest": lambda: _rewrite(path, meta=_as_meta(
            {**meta, "articles": [["x"] + first[1:]] + meta["articles"][1:]})),
        "meta bridge words not strings": lambda: _rewrite(path, meta=_as_meta(
            {**meta, "bridge_words": [1] * len(meta["bridge_words"])})),
        "bridge vectors one row short": lambda: _rewrite(path, bridge_vectors=bridge_vectors[1:].copy()),
        "sentence starts past the sentences": lambda: _rewrite(path, sentence_starts=sentence_starts + 1),
        "a passage without sentences": lambda: _rewrite(path, sentence_starts=np.concatenate(
            [sentence_starts[:1], sentence_starts[:-1]])),
        "meta terms repeat": lambda: _rewrite(path, meta=_as_meta({**meta, "terms": [meta["terms"][0]] * len(meta["terms"])})),
        "tfs float32": lambda: _rewrite(path, tfs=tfs.astype(np.float32)),
        "tfs 2-d": lambda: _rewrite(path, tfs=tfs.reshape(1, -1)),
        "tfs zero": lambda: _rewrite(path, tfs=tfs * 0),
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
    np.lib.format.write_array_header_1_0(member, {"descr": "<i4", "fortran_order": False, "shape": (2**40,)})
    member.write(b"\0" * 8)
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files if name != "tfs"}
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())
        archive.writestr("tfs.npy", member.getvalue())


DAMAGES = ["meta a list", "meta articles a string", "meta passage outside its paragraph",
           "meta passage of a missing paragraph", "meta digest not a digest", "meta bridge words not strings",
           "bridge vectors one row short", "sentence starts past the sentences", "a passage without sentences",
           "meta terms repeat", "tfs float32",
           "tfs 2-d", "tfs zero", "doc ids out of range", "doc ids negative", "doc ids descending",
           "indptr unordered", "indptr int32", "header of 2^40 elements", "a FIFO"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_index_files_of_the_wrong_shape_are_rebuilt(corpus, builds, damage):
    Engine.load(corpus)
    _bad_files(corpus / indexfile.INDEX_FILE)[damage]()
    engine = Engine.load(corpus)
    assert builds[0] == 2 and engine.search(QUESTION)[0].paragraph == 3
    assert (corpus / indexfile.INDEX_FILE).is_file()
    assert Engine.load(corpus) and builds[0] == 2  # the rebuilt file is good again


_PRISTINE: dict[str, bytes] = {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["indptr", "doc_ids", "tfs"]), st.integers(0, 10**6),
       st.sampled_from([-(2**31), -1, 0, 1, 7, 2**31 - 1, 10**6]), st.integers(0, 10**6), st.integers(0, 255))
def test_mutated_index_files_never_crash_the_search(corpus, name, position, value, byte_position, byte):
    path = corpus / indexfile.INDEX_FILE
    if str(corpus) not in _PRISTINE:  # the examples share the folder: each starts from the file a build wrote
        Engine.load(corpus)
        _PRISTINE[str(corpus)] = path.read_bytes()
    path.write_bytes(_PRISTINE[str(corpus)])
    engine = Engine.load(corpus)
    expected = [h.as_json() for h in engine.search(QUESTION)]
    with np.load(path) as data:
        array = data[name].copy()
    array[position % len(array)] = value
    _rewrite(path, **{name: array})
    raw = bytearray(path.read_bytes())  # and one raw byte flipped: the zip's CRC must catch what the checks cannot
    raw[byte_position % len(raw)] = byte
    path.write_bytes(bytes(raw))
    loaded = indexfile.load(path, engine.key)
    again = Engine.load(corpus)
    results = [h.as_json() for h in again.search(QUESTION)]
    if loaded is None:
        assert results == expected


def test_a_start_with_a_valid_index_neither_parses_nor_compiles_the_glossary(corpus, monkeypatch):
    from retrieval.text import analysis
    from retrieval import corpus as corpus_module
    first = Engine.load(corpus)
    calls = []
    monkeypatch.setattr(corpus_module, "load_glossary", lambda path: calls.append(path))
    monkeypatch.setattr(analysis, "compile_glossary", lambda glossary: calls.append(glossary))
    second = Engine.load(corpus)
    assert calls == [] and second.analyzer.glossary == first.analyzer.glossary
    assert second.search("Какое соглашение подписал МАЗ?")[0].paragraph == 3  # МАЗ ↔ MAZ came from the saved glossary


def test_scoring_parameters_apply_to_a_saved_index_without_a_rebuild(corpus, monkeypatch, builds):
    """The file keeps term counts, not weights, so no parameter can leave stale weights behind."""
    from retrieval.index import bm25
    before = Engine.load(corpus).index.weights
    for name, value in (("K1", 1.2), ("B", 0.5), ("EPSILON", 0.1)):
        monkeypatch.setattr(bm25, name, value)
        weights = Engine.load(corpus).index.weights
        terms = [t for t in Engine.load(corpus).index.vocabulary][:50]
        reference = __import__("rank_bm25").BM25Okapi(
            [e for e in [Engine.load(corpus)] for e in [[e.analyzer.terms(p.text) for p in e.passages]]][0],
            k1=bm25.K1, b=bm25.B, epsilon=bm25.EPSILON)
        assert np.allclose(reference.get_scores(terms), all_scores(Engine.load(corpus).index, terms), atol=1e-9)
        assert not np.allclose(weights, before)
        before = weights
    assert builds[0] == 1


def test_bench_many_articles_prints_start_reload_and_add_times():
    import subprocess
    import sys
    result = subprocess.run(
        [sys.executable, "-m", "lab", "bench", "--articles", "3", "--source", str(ROOT / "corpus"),
         "--questions", str(ROOT / "tests" / "questions.yaml")], capture_output=True, text=True, cwd=ROOT,
        timeout=300)
    assert result.returncode == 0, result.stderr
    row = result.stdout.splitlines()[1].split()
    assert row[:2] == ["3", "30"] and all(float(value) >= 0 for value in row[2:]) and len(row) == 6
