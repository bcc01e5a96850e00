"""A client-side rate limiter per itris tenant, shared by every client in the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Allow ``rate_per_s`` requests a second, in bursts of at most ``burst`` (default 1).

    A burst of 1 spaces requests evenly, which keeps under a server limit counted over any
    one-second window; a larger burst could send twice the rate in the first second.
    """

    _registry: dict[str, TokenBucket] = {}
    _registry_lock = threading.Lock()

    def __init__(
        self,
        rate_per_s: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._configure(rate_per_s, burst)
        self._tokens = self.burst
        self._updated = clock()

    @classmethod
    def for_tenant(
        cls, base_url: str, rate_per_s: float, burst: float | None = None
    ) -> TokenBucket:
        """Return the process-wide bucket of one itris tenant, set to the given rate."""
        key = base_url.rstrip("/").lower()
        with cls._registry_lock:
            bucket = cls._registry.get(key)
            if bucket is None:
                bucket = cls._registry[key] = cls(rate_per_s, burst)
            else:
                bucket.set_rate(rate_per_s, burst)
            return bucket

    @classmethod
    def forget_all(cls) -> None:
        """Drop every shared bucket (tests use this for isolation)."""
        with cls._registry_lock:
            cls._registry.clear()

    def set_rate(self, rate_per_s: float, burst: float | None = None) -> None:
        """Change the rate; the latest configuration of a tenant wins."""
        with self._lock:
            self._refill()
            self._configure(rate_per_s, burst)
            self._tokens = min(self._tokens, self.burst)

    def acquire(self) -> float:
        """Block until one request is allowed; return how long it waited, in seconds."""
        with self._lock:
            self._refill()
            # Reserve a slot now, possibly going into debt; each caller then waits for
            # its own slot outside the lock, so waiting threads never block each other.
            self._tokens -= 1
            wait = max(0.0, -self._tokens / self.rate_per_s)
        if wait:
            self._sleep(wait)
        return wait

    def _configure(self, rate_per_s: float, burst: float | None) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.rate_per_s = float(rate_per_s)
        self.burst = max(1.0, float(burst)) if burst is not None else 1.0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate_per_s)
        self._updated = now
