"""What counts as a web address, in one place: the manifest's url field, `add` sources and feed entries,
the bot's links, `/add` and feed settings all use it."""

MAX_ADDRESS = 1000  # longer is no real article's address; Telegram refuses very long links


def is_web_address(text: str) -> bool:
    """An http(s) address of reasonable length with no whitespace."""
    return text.startswith(("http://", "https://")) and len(text) <= MAX_ADDRESS and not any(c.isspace() for c in text)
