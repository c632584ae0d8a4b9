"""Per-user flood control: at most N questions per sliding window of S seconds."""

from __future__ import annotations

import time
from collections import deque


class FloodGuard:
    def __init__(self, messages: int, seconds: float, clock=time.monotonic):
        self.messages, self.seconds, self.clock = messages, seconds, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int) -> tuple[bool, bool, int]:
        """(allowed, warn now, seconds to wait). Over the limit, the user is warned once per window."""
        now = self.clock()
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.seconds:
            times.popleft()
        if len(times) < self.messages:
            times.append(now)
            return True, False, 0
        wait = max(1, int(self.seconds - (now - times[0]) + 0.999))
        warn = now - self._warned.get(user_id, -self.seconds) >= self.seconds
        if warn:
            self._warned[user_id] = now
        return False, warn, wait
