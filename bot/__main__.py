"""`python -m bot`: the Telegram bot with TELEGRAM_BOT_TOKEN set, the console chat without it (unless
BOT_REQUIRE_TOKEN is on, as in production, where a missing token is one error line and exit status 2)."""

import sys

from retrieval import CorpusError, EncoderMissing, Engine

from . import console
from .config import ConfigError, load_settings
from .service import AnswerService
from .store import StoreError, open_store


def main() -> int:
    try:
        settings = load_settings()
        engine = Engine.load(settings.corpus)
    except (ConfigError, CorpusError, EncoderMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not settings.token:
        return console.run(engine, settings)
    from . import app  # here: the console chat needs none of Telegram's libraries (0.3 s of its start)

    app.configure_logging(settings)
    try:
        store = open_store(settings.store, settings.store_question_authors)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    service = AnswerService(engine, store, settings)
    try:
        app.run(app.build_application(settings, service), settings)
    finally:
        service.close()
    return 0


sys.exit(main())
