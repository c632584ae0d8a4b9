"""Retrieval core: bilingual search over the news corpus. Knows nothing of Telegram.

The one door for the bot (a test holds it to that):
- `Engine`: `load` a corpus folder, `search` it for `Hit`s, show a `paragraph`, list the `sources`, its `size`;
- the named types it returns: `Hit`, `Source`, `Paragraph`;
- `mark_spans` and `plain_hit` for showing a hit, `is_web_address` (what counts as a link);
- `ingest` for adding articles, `MAX_QUESTION_CHARS` (the most of a question a search reads);
- the errors: `CorpusError` (a broken corpus, with file and line), `EncoderMissing` (no encoder package);
- `load_yaml` (YAML whose every error names its line) and `textio` (UTF-8 standard streams).

Inside: `text/` (what a word is), `index/` (what a search reads), `building`, `scoring`, `decision`,
`excerpt` (how a question becomes hits), `corpus` and `ingest/` (the articles and how they arrive).
"""

from . import ingest, textio
from .addresses import is_web_address
from .display import mark_spans, plain_hit
from .engine import DEFAULT_CORPUS, Engine, Hit, Paragraph, Source
from .errors import CorpusError
from .index.encoder import EncoderMissing
from .query import MAX_QUESTION_CHARS
from .yamlfile import load_yaml

__all__ = ["DEFAULT_CORPUS", "MAX_QUESTION_CHARS", "CorpusError", "EncoderMissing", "Engine", "Hit", "Paragraph",
           "Source", "ingest", "is_web_address", "load_yaml", "mark_spans", "plain_hit", "textio"]
