"""Counters of what the sandbox saw and did, for ``GET /_sandbox/stats``."""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    """Thread-safe counters; ``snapshot()`` is the JSON the control endpoint answers."""

    def __init__(self):
        self._lock = threading.Lock()
        self._in_flight = 0  # API requests being served now (a reset leaves them counted)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._creates: Counter[str] = Counter()
            self._events: Counter[str] = Counter()
            self._most_at_once = self._in_flight

    def enter(self) -> None:
        """An API request starts being served (before any added latency)."""
        with self._lock:
            self._in_flight += 1
            self._most_at_once = max(self._most_at_once, self._in_flight)

    def leave(self) -> None:
        """An API request that :meth:`enter` counted is done with, answered or not."""
        with self._lock:
            self._in_flight -= 1

    def request(self, template: str, status: int | None) -> None:
        """One API request (``"POST /api/v2/applicants"``); status None if it was dropped."""
        with self._lock:
            self._requests[template] += 1
            if status is not None:
                self._statuses[str(status)] += 1

    def created(self, kind: str) -> None:
        with self._lock:
            self._creates[str(kind)] += 1

    def count(self, event: str) -> None:
        """One of: rate_limited, dropped, injected_errors, webhook_ok, webhook_failed."""
        with self._lock:
            self._events[event] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "statuses": dict(self._statuses),
                "creates": dict(self._creates),
                "rate_limited": self._events["rate_limited"],
                "dropped": self._events["dropped"],
                "most_at_once": self._most_at_once,
                "injected_errors": self._events["injected_errors"],
                "webhooks": {
                    "ok": self._events["webhook_ok"],
                    "failed": self._events["webhook_failed"],
                },
            }
