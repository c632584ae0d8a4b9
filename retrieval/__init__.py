"""Retrieval core: bilingual search over the news corpus. Knows nothing of Telegram.

The one door for the bot: `Engine` (`load` a corpus folder, `search` it for `Hit`s, a `paragraph`, the
`sources`, its `size`), the named types it returns (`Hit`, `Source`, `Paragraph`), `mark_spans` and `plain_hit` for showing a
hit, `is_web_address` (what counts as a link), `ingest` for adding articles, and the errors: `CorpusError` (a broken corpus, with file
and line) and `EncoderMissing` (the encoder package is not installed). Two utilities are shared as well:
`load_yaml` (YAML whose every error names its line, for the bot's settings file) and `textio` (UTF-8
standard streams, for the console chat). Nothing else of retrieval is the bot's business (a test holds it
to that).
"""

from . import ingest, textio
from .index.encoder import EncoderMissing
from .addresses import is_web_address
from .engine import DEFAULT_CORPUS, Engine, Hit, Paragraph, Source
from .errors import CorpusError
from .display import mark_spans, plain_hit
from .yamlfile import load_yaml

__all__ = ["DEFAULT_CORPUS", "CorpusError", "EncoderMissing", "Engine", "Hit", "Paragraph", "Source", "ingest",
           "is_web_address", "load_yaml", "mark_spans", "plain_hit", "textio"]
