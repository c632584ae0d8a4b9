from pathlib import Path

import pytest

from retrieval import Engine

ROOT = Path(__file__).resolve().parent.parent
XQUAD = ROOT.parent / "shared" / "xquad"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture
def make_corpus(tmp_path):
    """Write a corpus folder from {relative path: text} and return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return make
