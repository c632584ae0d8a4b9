"""Writing new articles into a corpus folder: one at a time, all or nothing, the manifest kept as written.

An `add` holds an exclusive lock on the folder (`flock` on `.corpus.lock`) from reading the corpus to
writing it, so two at once run one after the other. Article files and then the manifest are written to
temporary files and renamed into place, so a reader sees the old manifest or the new one, never half; the
manifest's comments and layout are kept, because entries are appended to its text rather than re-dumped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from pathlib import Path

from anyascii import anyascii

from ..corpus import FIELDS, MANIFEST
from ..files import replaced
from .extract import Article

LOCK_FILE = ".corpus.lock"
ARTICLES = "articles"
MAX_ID_CHARS = 60
BARE = {"id", "file", "date", "language"}  # fields written unquoted in the manifest (an empty one is "")


@contextlib.contextmanager
def locked(root: Path):
    """Hold the corpus folder's lock (waits while another `add` holds it)."""
    with open(root / LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def readable_id(article: Article, taken: set[str]) -> str:
    """An id made from the title (or the address, or the file name), unique among `taken`."""
    name = article.title or _last_segment(article.url) or Path(article.source).stem
    words = re.findall(r"[a-z0-9]+", anyascii(name).lower())
    base = ""
    for word in words:
        if len(base) + len(word) + 1 > MAX_ID_CHARS:
            break
        base = f"{base}-{word}" if base else word
    base = base or "article"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _last_segment(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    segment = path.rsplit("/", 1)[-1] if "/" in path.split("//", 1)[-1] else ""
    return re.sub(r"\.(s?html?|php|aspx?)$", "", segment)


def entry(doc_id: str, article: Article) -> str:
    """The manifest entry, every field of `corpus.FIELDS` in its order and in the layout of the existing
    entries: free text quoted (a JSON string is YAML), names, paths, dates and languages bare."""
    values = {"id": doc_id, "file": f"{ARTICLES}/{doc_id}.txt"}
    values |= {name: getattr(article, name) for name in FIELDS if name not in values}
    shown = {name: value if name in BARE and value else json.dumps(value, ensure_ascii=False)
             for name, value in values.items()}
    return "\n" + "".join(f"{'-' if i == 0 else ' '} {name}: {shown[name]}\n" for i, name in enumerate(FIELDS))


def write(root: Path, additions: list[tuple[str, Article]]):
    """Write the articles and append their entries; returns a function that undoes both."""
    manifest = root / MANIFEST
    before = manifest.read_bytes()
    written: list[Path] = []

    def undo() -> None:
        _replace(manifest, before)
        for path in written:
            path.unlink(missing_ok=True)

    try:
        (root / ARTICLES).mkdir(exist_ok=True)
        for doc_id, article in additions:
            path = root / ARTICLES / f"{doc_id}.txt"
            if path.exists():
                raise FileExistsError(f"{path} already exists")
            _replace(path, article.text.encode("utf-8"))
            written.append(path)
        text = before + (b"" if before.endswith(b"\n") or not before else b"\n")
        _replace(manifest, text + "".join(entry(doc_id, a) for doc_id, a in additions).encode("utf-8"))
    except BaseException:
        undo()
        raise
    return undo


def _replace(path: Path, data: bytes) -> None:
    with replaced(path) as tmp:
        tmp.write(data)
