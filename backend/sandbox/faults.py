"""Fault injection: latency, injected errors, dropped connections, rate limits, token TTL.

All randomness comes from one ``random.Random`` seeded by the reset seed, so a run with
the same seed and the same requests fails the same way.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from backend.sandbox.errors import ApiError, FieldErrors

HTTP_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0  # share of API requests answered `error_status` before any work
    error_status: int = 503
    latency_ms: float = 0  # added to every API request
    rate_limit_per_s: float | None = None  # per token (or per client without one); None = off
    token_ttl_s: float = 3600  # lifetime of tokens issued from now on
    drop_rate: float = 0.0  # share of API requests done in full, then the connection dropped
    # The methods latency_ms, error_rate and drop_rate apply to (None: all), e.g. ["POST"]
    # to slow down or lose only the answers to creates while searches still work.
    fault_methods: tuple[str, ...] | None = None
    # And the paths they apply to (None: all), each a prefix, e.g. ["/api/v2/contacts"] to
    # fail the contact calls of a client that asks about applicants beside them.
    fault_paths: tuple[str, ...] | None = None

    def applies_to(self, method: str, path: str = "/") -> bool:
        return (self.fault_methods is None or method in self.fault_methods) and (
            self.fault_paths is None or path.startswith(self.fault_paths)
        )

    def as_json(self) -> dict:
        return asdict(self)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(name: str, value: Any) -> str | None:
    """Why ``value`` is no good for fault ``name``, or None."""
    if name == "fault_methods":
        if value is None:
            return None
        ok = isinstance(value, list) and all(m in HTTP_METHODS for m in value)
        return None if ok else f"Must be null or a list of {', '.join(HTTP_METHODS)}."
    if name == "fault_paths":
        if value is None:
            return None
        ok = isinstance(value, list) and all(isinstance(p, str) and p[:1] == "/" for p in value)
        return None if ok else "Must be null or a list of paths, each starting with /."
    if name == "rate_limit_per_s":
        if value is None:
            return None
        return None if _number(value) and value >= 0 else "Must be a number >= 0, or null."
    if not _number(value):
        return "Must be a number."
    if name in ("error_rate", "drop_rate") and not 0 <= value <= 1:
        return "Must be between 0 and 1."
    if name == "error_status" and not (isinstance(value, int) and 400 <= value <= 599):
        return "Must be an HTTP error status (400-599)."
    if name == "latency_ms" and not 0 <= value <= 60_000:
        return "Must be between 0 and 60000."
    if name == "token_ttl_s" and value <= 0:
        return "Must be > 0."
    return None


def parse_update(body: Any) -> dict:
    """The fault settings a ``PUT /_sandbox/faults`` body changes; 400 if any is wrong."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    known = {f.name for f in fields(Faults)}
    errors = FieldErrors()
    for name, value in body.items():
        if name not in known:
            errors.add(name, f"Unknown fault; known: {', '.join(sorted(known))}.")
        elif problem := _check(name, value):
            errors.add(name, problem)
    errors.raise_if_any("Invalid fault settings.")
    changes = dict(body)
    for name in ("fault_methods", "fault_paths"):
        if changes.get(name) is not None:
            changes[name] = tuple(changes[name])
    if changes.get("rate_limit_per_s") == 0:
        changes["rate_limit_per_s"] = None
    return changes


class FaultInjector:
    """Current faults, the seeded dice, and the rate limiter's buckets."""

    def __init__(self, seed: int = 1):
        self._lock = threading.Lock()
        self.reset(seed)

    def reset(self, seed: int) -> None:
        with self._lock:
            self._faults = Faults()
            self._rng = random.Random(seed)
            self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def current(self) -> Faults:
        return self._faults

    def update(self, body: Any) -> Faults:
        changes = parse_update(body)
        with self._lock:
            if "rate_limit_per_s" in changes:
                self._buckets.clear()
            self._faults = replace(self._faults, **changes)
            return self._faults

    def roll(self, rate: float) -> bool:
        """True with probability ``rate`` (no dice thrown at 0, so it costs nothing)."""
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def retry_after(self, key: str) -> int | None:
        """Take one request from ``key``'s token bucket: None if allowed, else seconds to wait."""
        rate = self._faults.rate_limit_per_s
        if not rate:
            return None
        capacity = max(1.0, rate)  # a burst of one second's worth
        moment = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, moment))
            tokens = min(capacity, tokens + (moment - last) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, moment)
                return None
            self._buckets[key] = (tokens, moment)
            return max(1, math.ceil((1 - tokens) / rate))
