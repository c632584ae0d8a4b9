"""The languages the corpus holds and the bot serves: one list for the manifest, the glossary and `add`."""

LANGUAGES = ("en", "ru")
