"""The bot's HTTP listeners: the webhook Telegram posts updates to, and the health and metrics endpoints
(`/healthz`, `/readyz`, `/metrics`), with `python -m bot.web.healthcheck` for the container's HEALTHCHECK."""
