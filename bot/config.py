"""Bot settings: a YAML file for what operators tune, environment variables for secrets and overrides.

The token comes only from TELEGRAM_BOT_TOKEN, never from a file that could be committed. Every setting
is listed in README.md ("Configuration"); each has an environment variable that overrides the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from retrieval import DEFAULT_CORPUS, CorpusError
from retrieval.yamlfile import load_yaml

CONFIG_ENV = "BOT_CONFIG"
DEFAULT_CONFIG = Path("bot.yaml")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    token: str = ""
    require_token: bool = False  # production: a missing token is an error, not the console chat
    api_base_url: str = ""
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()  # empty: every chat
    corpus: Path = DEFAULT_CORPUS
    store: str = "sqlite:///var/bot.sqlite3"  # or postgresql://… to share state between replicas
    rate_limit_messages: int = 8
    rate_limit_seconds: float = 30.0
    messages_per_second: float = 30.0  # all outgoing messages (Telegram's broadcast limit), via AIORateLimiter
    max_question_chars: int = 1000
    page_size: int = 3
    webhook_url: str = ""  # empty: long polling
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret: str = ""
    webhook_max_body_bytes: int = 1_000_000
    health_port: int = 0  # polling mode: serve /healthz, /readyz, /metrics on this port (0: off)
    health_listen: str = "127.0.0.1"
    log_level: str = "INFO"
    store_question_authors: bool = False
    feeds: tuple[str, ...] = ()  # RSS/Atom feeds whose new entries are added to the corpus
    feed_interval_minutes: float = 60.0
    fetch_timeout: float = 15.0  # seconds to wait for a page or feed


# Every setting's environment variable. The YAML key is the setting's own name, except for secrets, which
# only the environment may hold.
ENVIRONMENT = {
    "token": "TELEGRAM_BOT_TOKEN",
    "require_token": "BOT_REQUIRE_TOKEN",
    "api_base_url": "TELEGRAM_API_BASE_URL",
    "admins": "BOT_ADMINS",
    "allowed_chats": "BOT_ALLOWED_CHATS",
    "corpus": "BOT_CORPUS",
    "store": "BOT_STORE",
    "rate_limit_messages": "BOT_RATE_LIMIT_MESSAGES",
    "rate_limit_seconds": "BOT_RATE_LIMIT_SECONDS",
    "messages_per_second": "BOT_MESSAGES_PER_SECOND",
    "max_question_chars": "BOT_MAX_QUESTION_CHARS",
    "page_size": "BOT_PAGE_SIZE",
    "webhook_url": "BOT_WEBHOOK_URL",
    "webhook_listen": "BOT_WEBHOOK_LISTEN",
    "webhook_port": "BOT_WEBHOOK_PORT",
    "webhook_path": "BOT_WEBHOOK_PATH",
    "webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "webhook_max_body_bytes": "BOT_WEBHOOK_MAX_BODY_BYTES",
    "health_port": "BOT_HEALTH_PORT",
    "health_listen": "BOT_HEALTH_LISTEN",
    "log_level": "BOT_LOG_LEVEL",
    "store_question_authors": "BOT_STORE_QUESTION_AUTHORS",
    "feeds": "BOT_FEEDS",
    "feed_interval_minutes": "BOT_FEED_INTERVAL_MINUTES",
    "fetch_timeout": "BOT_FETCH_TIMEOUT",
}
ENVIRONMENT_ONLY = frozenset({"token", "api_base_url", "webhook_secret"})


def _convert(name: str, value, kind: type):
    """`value` (text from the environment, or a YAML value) as the type of the setting's default."""
    try:
        if kind in (frozenset, tuple):
            items = value.split(",") if isinstance(value, str) else (value or [])
            items = [str(item).strip() for item in items if str(item).strip()]
            return frozenset(int(item) for item in items) if kind is frozenset else tuple(items)
        if kind is bool:
            return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
        if issubclass(kind, Path):
            return Path(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting '{name}': cannot use {value!r}") from None


def load_settings(environ: dict | None = None) -> Settings:
    """Defaults, then the YAML file (BOT_CONFIG, or ./bot.yaml when present), then the environment."""
    environ = os.environ if environ is None else environ
    path = Path(environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    from_file: dict = {}
    if environ.get(CONFIG_ENV) or path.exists():
        try:
            from_file = load_yaml(path) or {}  # errors name the file and line, as the corpus files' do
        except CorpusError as error:
            raise ConfigError(str(error)) from None
        if not isinstance(from_file, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        unknown = sorted(set(from_file) - (set(ENVIRONMENT) - ENVIRONMENT_ONLY))
        if unknown:
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    defaults = Settings()
    values = {}
    for name, env in ENVIRONMENT.items():
        kind = type(getattr(defaults, name))
        if environ.get(env):
            values[name] = _convert(name, environ[env], kind)
        elif name in from_file and name not in ENVIRONMENT_ONLY:
            values[name] = _convert(name, from_file[name], kind)
    settings = Settings(**values)
    if settings.page_size < 1 or settings.rate_limit_messages < 1 or settings.max_question_chars < 1:
        raise ConfigError("page_size, rate_limit_messages and max_question_chars must be at least 1")
    if settings.feed_interval_minutes <= 0 or settings.fetch_timeout <= 0:
        raise ConfigError("feed_interval_minutes and fetch_timeout must be more than 0")
    bad = [feed for feed in settings.feeds if not feed.startswith(("http://", "https://"))]
    if bad:
        raise ConfigError(f"setting 'feeds': {bad[0]!r} is not an http(s) address")
    return settings
