"""`python -m bot.web.healthcheck`: exit 0 when the running bot reports ready, 1 otherwise (the container's
HEALTHCHECK). It asks /readyz where the bot serves it: the webhook port in webhook mode, else health_port."""

import sys
import urllib.request

from ..config import ConfigError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    port = settings.webhook_port if settings.webhook_url else settings.health_port
    if not port:
        print("unhealthy: no health endpoint (set BOT_HEALTH_PORT in polling mode)", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


sys.exit(main())
