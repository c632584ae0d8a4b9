"""Writing a file so that a reader sees the old one or the new one, never half: the saved index, article
files and the manifest all go through `replaced`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def replaced(path: Path):
    """A temporary file beside `path` to write; when the block ends it is synced and renamed onto `path`
    (readable by all: the service user may differ from the one who wrote it). On any error it is removed."""
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise
