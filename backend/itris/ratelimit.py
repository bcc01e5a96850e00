"""Client-side rate limiters per itris tenant: one per process, or one for the whole fleet.

:class:`TokenBucket` paces every client of a tenant in one process. itris's limit belongs to
the tenant's API user, however many API and worker processes share it, so a deployment that
runs several sets ``configure(rate, redis_url)`` once per process: every client made without
an explicit rate then paces through :class:`SharedTokenBucket`, one schedule kept in Redis.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("backend.itris")


class Limiter(Protocol):
    rate_per_s: float

    def acquire(self) -> float:
        """Block until one request is allowed; return how long it waited, in seconds."""


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


class SharedTokenBucket:
    """A :class:`TokenBucket` kept in Redis, so every process reaching it shares one pace.

    GCRA: Redis holds the time the next request may go (on Redis's own clock); each caller
    atomically reserves the next slot and then sleeps until it, outside any lock. Should
    Redis fail, the process falls back to its own bucket at the same rate.
    """

    # KEYS[1] the schedule; ARGV interval, burst. Returns the caller's wait in seconds.
    _SCRIPT = """
    local interval = tonumber(ARGV[1])
    local burst = tonumber(ARGV[2])
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'),
                          now - (burst - 1) * interval)
    local after = slot + interval
    redis.call('SET', KEYS[1], string.format('%.6f', after),
               'PX', math.ceil((after - now) * 1000) + 1000)
    return string.format('%.6f', math.max(0, slot - now))
    """

    def __init__(
        self,
        redis_client: Any,
        key: str,
        rate_per_s: float,
        burst: float | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._script = redis_client.register_script(self._SCRIPT)
        self.key = key
        self._sleep = sleep
        self._fallback = TokenBucket(rate_per_s, burst, sleep=sleep)
        self.set_rate(rate_per_s, burst)

    def set_rate(self, rate_per_s: float, burst: float | None = None) -> None:
        self._fallback.set_rate(rate_per_s, burst)
        self.rate_per_s, self.burst = self._fallback.rate_per_s, self._fallback.burst

    def acquire(self) -> float:
        """Block until one request is allowed; return how long it waited, in seconds."""
        import redis

        try:
            wait = float(self._script(keys=[self.key], args=[1 / self.rate_per_s, self.burst]))
        except redis.RedisError as exc:
            log.warning("shared itris rate limit unavailable (%s); pacing this process", exc)
            return self._fallback.acquire()
        if wait > 0:
            self._sleep(wait)
        return wait


_default: dict[str, Any] = {"rate": None, "redis_url": None}
_shared: dict[tuple[str, str], SharedTokenBucket] = {}
_shared_lock = threading.Lock()


def configure(rate_per_s: float | None, redis_url: str | None = None) -> None:
    """Set this process's default itris rate (None or 0: no limit) and where it is shared."""
    rate_per_s = rate_per_s or None
    if rate_per_s is not None and not (rate_per_s > 0 and math.isfinite(rate_per_s)):
        raise ValueError("the itris rate limit must be a positive number of requests a second")
    with _shared_lock:
        _default.update(rate=rate_per_s, redis_url=redis_url)


def limiter_for(base_url: str, rate_per_s: float | None = None) -> Limiter | None:
    """The limiter a client of ``base_url`` paces through: an explicit rate gives this
    process's bucket; otherwise the configured default, shared through Redis if it has one."""
    if rate_per_s:
        return TokenBucket.for_tenant(base_url, rate_per_s)
    rate, redis_url = _default["rate"], _default["redis_url"]
    if not rate:
        return None
    if not redis_url:
        return TokenBucket.for_tenant(base_url, rate)
    key = (redis_url, base_url.rstrip("/").lower())
    with _shared_lock:
        bucket = _shared.get(key)
        if bucket is None:
            import redis

            client = redis.Redis.from_url(redis_url)
            bucket = _shared[key] = SharedTokenBucket(client, f"itris-sync:rate:{key[1]}", rate)
        elif bucket.rate_per_s != rate:
            bucket.set_rate(rate)
        return bucket
