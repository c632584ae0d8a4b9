"""Adding articles to a corpus folder: fetch, extract, refuse duplicates, write, re-index what changed.

Kept apart from the query path: the bot and `python -m retrieval add` use it; searching never does.
"""

from .add import FIRST_FEED_DATE, MAX_FEED_ENTRIES, Prepared, Report, add, add_feed, commit, prepare, prepare_feed
from .fetch import Fetching, SourceError

__all__ = ["FIRST_FEED_DATE", "MAX_FEED_ENTRIES", "Fetching", "Prepared", "Report", "SourceError", "add", "add_feed",
           "commit", "prepare", "prepare_feed"]
