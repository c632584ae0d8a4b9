"""The Telegram bot. Knows retrieval only through Engine.search and Hit."""
