"""The one error type for a corpus that cannot be loaded, always naming the file and, when known, the line."""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """A manifest, glossary or article that cannot be used, with where and what."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")
