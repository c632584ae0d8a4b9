"""Bot settings: a YAML file for what operators tune, environment variables for secrets and overrides.

The token comes only from TELEGRAM_BOT_TOKEN, never from a file that could be committed. Each setting is
declared once, in `Settings`; each has an environment variable that overrides the file; all checks of
their values are in `load_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from retrieval import DEFAULT_CORPUS, MAX_QUESTION_CHARS, CorpusError, ingest, is_web_address, load_yaml

CONFIG_ENV = "BOT_CONFIG"
DEFAULT_CONFIG = Path("bot.yaml")


class ConfigError(Exception):
    pass


def _setting(default, env: str = "", secret: bool = False):
    """A setting's one declaration: its default, and its environment variable when that is not
    BOT_<NAME>; a secret comes only from the environment. README.md's table, deploy/bot.example.yaml and
    deploy/bot.env.example are checked against these by tests/test_config_docs.py."""
    return field(default=default, metadata={"env": env, "secret": secret})


@dataclass(frozen=True)
class Settings:
    token: str = _setting("", env="TELEGRAM_BOT_TOKEN", secret=True)
    require_token: bool = _setting(False)  # production: a missing token is an error, not the console chat
    api_base_url: str = _setting("", env="TELEGRAM_API_BASE_URL", secret=True)
    admins: frozenset[int] = _setting(frozenset())
    allowed_chats: frozenset[int] = _setting(frozenset())  # empty: every chat
    corpus: Path = _setting(DEFAULT_CORPUS)
    store: str = _setting("sqlite:///var/bot.sqlite3")  # or postgresql://… to share state between replicas
    rate_limit_messages: int = _setting(8)
    rate_limit_seconds: float = _setting(30.0)
    telegram_timeout: float = _setting(5.0)  # seconds to wait for a Bot API answer (python-telegram-bot's default)
    messages_per_second: float = _setting(30.0)  # all outgoing messages (Telegram's limit), via AIORateLimiter
    max_question_chars: int = _setting(MAX_QUESTION_CHARS)
    page_size: int = _setting(3)
    follow_up_minutes: float = _setting(10.0)  # a follow-up ("а когда?") is read after the chat's question this recent
    webhook_url: str = _setting("")  # empty: long polling
    webhook_listen: str = _setting("127.0.0.1")
    webhook_port: int = _setting(8443)
    webhook_path: str = _setting("telegram")
    webhook_secret: str = _setting("", env="TELEGRAM_WEBHOOK_SECRET", secret=True)
    webhook_max_body_bytes: int = _setting(1_000_000)
    health_port: int = _setting(0)  # polling mode: serve /healthz, /readyz, /metrics on this port (0: off)
    health_listen: str = _setting("127.0.0.1")
    log_level: str = _setting("INFO")
    store_question_authors: bool = _setting(False)
    feeds: tuple[str, ...] = _setting(())  # RSS/Atom feeds whose new entries are added to the corpus
    feed_interval_minutes: float = _setting(60.0)
    feed_max_entries: int = _setting(ingest.MAX_FEED_ENTRIES)  # new entries taken from a feed per poll
    fetch_timeout: float = _setting(ingest.Fetching.timeout)  # seconds for a whole download of a page or feed
    fetch_allow_loopback: bool = _setting(False)  # tests and local use only: /add and feeds may fetch 127.0.0.1


# Every setting's environment variable, and the secrets, which only the environment may hold.
ENVIRONMENT = {f.name: f.metadata["env"] or f"BOT_{f.name.upper()}" for f in fields(Settings)}
ENVIRONMENT_ONLY = frozenset(f.name for f in fields(Settings) if f.metadata["secret"])


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
    if min(settings.page_size, settings.rate_limit_messages, settings.max_question_chars,
           settings.feed_max_entries) < 1:
        raise ConfigError("page_size, rate_limit_messages, max_question_chars and feed_max_entries must be at least 1")
    if settings.require_token and not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (BOT_REQUIRE_TOKEN is on, as in the container and the "
                          "systemd unit: set the token, or BOT_REQUIRE_TOKEN=false for the console chat)")
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError("webhook mode needs TELEGRAM_WEBHOOK_SECRET")
    if settings.feed_interval_minutes <= 0 or settings.fetch_timeout <= 0:
        raise ConfigError("feed_interval_minutes and fetch_timeout must be more than 0")
    bad = [feed for feed in settings.feeds if not is_web_address(feed)]
    if bad:
        raise ConfigError(f"setting 'feeds': {bad[0]!r} is not an http(s) address")
    return settings
