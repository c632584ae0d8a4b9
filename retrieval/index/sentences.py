"""Every passage's sentence vectors, kept as int8 (a quarter of float32: a corpus holds about five sentences
a passage), and a passage's best sentence cosine to a question, computed for a few candidates only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import encoder


@dataclass(frozen=True)
class SentenceVectors:
    rows: np.ndarray  # int8, one row per sentence, passage after passage
    scales: np.ndarray  # float32 per row: a row's vector is rows[i] * scales[i]
    starts: np.ndarray  # int64, len(passages) + 1: passage p's sentences are rows starts[p]:starts[p + 1]

    @classmethod
    def empty(cls) -> "SentenceVectors":
        return cls(np.empty((0, encoder.DIMENSIONS), dtype=np.int8), np.empty(0, dtype=np.float32),
                   np.zeros(1, dtype=np.int64))

    @property
    def passages(self) -> int:
        return len(self.starts) - 1

    def _rows_of(self, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The row numbers of `passages`' sentences, in order, and each passage's count."""
        counts = self.starts[passages + 1] - self.starts[passages]
        return np.repeat(self.starts[passages] - offsets(counts)[:-1], counts) + np.arange(counts.sum()), counts

    def select(self, passages: np.ndarray) -> "SentenceVectors":
        """The sentences of `passages`, in that order (reused passages keep their vectors)."""
        rows, counts = self._rows_of(np.asarray(passages, dtype=np.int64))
        return SentenceVectors(self.rows[rows], self.scales[rows], offsets(counts))

    @staticmethod
    def join(parts: list["SentenceVectors"]) -> "SentenceVectors":
        """The passages of `parts`, one after another."""
        firsts = offsets(np.array([len(part.rows) for part in parts]))[:-1]
        return SentenceVectors(np.concatenate([part.rows for part in parts]),
                               np.concatenate([part.scales for part in parts]),
                               np.concatenate([[0]] + [part.starts[1:] + first for part, first in zip(parts, firsts)]))

    def best_cosine(self, passages: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Per passage of `passages` (each with one sentence at least), its sentences' highest cosine to
        `vector`."""
        rows, counts = self._rows_of(passages)
        if not len(rows):
            return np.zeros(len(passages), dtype=np.float32)
        return np.maximum.reduceat(self._cosines(rows, vector), offsets(counts)[:-1])

    def cosines(self, passage: int, vector: np.ndarray) -> np.ndarray:
        """The cosine of each sentence of `passage` to `vector`, in order."""
        return self._cosines(np.arange(self.starts[passage], self.starts[passage + 1]), vector)

    def _cosines(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return (self.rows[rows] @ vector) * self.scales[rows]

    def check(self, passages: int) -> None:
        """Raise ValueError unless this fits `passages` passages of one sentence at least."""
        starts = self.starts
        if len(starts) != passages + 1 or starts[0] != 0 or starts[-1] != len(self.rows) \
                or np.any(np.diff(starts) < 1) or self.rows.shape[1:] != (encoder.DIMENSIONS,) \
                or self.scales.shape != (len(self.rows),) or not np.all(np.isfinite(self.scales)):
            raise ValueError("the sentence vectors do not match the passages")


def offsets(counts: np.ndarray) -> np.ndarray:
    """Where each group of `counts` starts in the flat rows, and the total: len(counts) + 1 values."""
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
