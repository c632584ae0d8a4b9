"""Retrieval core: bilingual morphological BM25 search over the news corpus. Knows nothing of Telegram.

The bot needs only `Engine` (load a corpus folder, `search` it) and `Hit`; `CorpusError` reports a broken
corpus with file and line, `EncoderMissing` an encoder package that is not installed.
"""

from .encoder import EncoderMissing
from .engine import DEFAULT_CORPUS, Engine, Hit
from .errors import CorpusError
from .highlight import mark_spans

__all__ = ["DEFAULT_CORPUS", "CorpusError", "EncoderMissing", "Engine", "Hit", "mark_spans"]
