"""Configuration: ``ITRIS_SYNC_*`` environment variables over defaults under ``instance/``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_PREFIX = "ITRIS_SYNC_"
REPO_ROOT = Path(__file__).resolve().parent.parent

# Keys read from the environment (without the prefix), with how to parse them.
_LIST_KEYS = {"EXTENSION_ORIGINS"}
_FLOAT_KEYS = {
    "ITRIS_TIMEOUT",
    "ITRIS_RETRY_BASE_S",
    "PUSH_RETRY_BASE_S",
    "PUSH_LEASE_S",
    "SWEEP_STALE_S",
    "ITRIS_STATE_TTL_S",
    "ITRIS_RATE_LIMIT_PER_S",
    "LOOKUP_CACHE_S",
}
_INT_KEYS = {
    "ITRIS_MAX_ATTEMPTS",
    "OPTIONS_CACHE_SECONDS",
    "PUSH_MAX_ATTEMPTS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_FAILURE_WINDOW_S",
    "TRUSTED_PROXIES",
}
ENV_KEYS = (
    "DATABASE_URL",
    "QUEUE_URL",
    "SECRET_KEY",
    "EXTENSION_ORIGINS",
    "ITRIS_URL_TEMPLATE",
    "INSTANCE_PATH",
    "ITRIS_TIMEOUT",
    "ITRIS_MAX_ATTEMPTS",
    "ITRIS_RETRY_BASE_S",
    "OPTIONS_CACHE_SECONDS",
    "PUSH_MAX_ATTEMPTS",
    "PUSH_RETRY_BASE_S",
    "PUSH_LEASE_S",
    "SWEEP_STALE_S",
    "LOGIN_MAX_FAILURES",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_FAILURE_WINDOW_S",
    "ITRIS_STATE_TTL_S",
    "ITRIS_RATE_LIMIT_PER_S",
    "TRUSTED_PROXIES",
    "LOOKUP_CACHE_S",
    "PASSWORD_HASH_METHOD",
)

DEFAULTS = {
    "ITRIS_URL_TEMPLATE": "https://{subdomain}.itris.co.uk",
    "EXTENSION_ORIGINS": [],
    "ITRIS_TIMEOUT": 10.0,
    "ITRIS_MAX_ATTEMPTS": 5,
    # The first pause before an itris call is tried again (5xx, timeout; a 429 waits what
    # its Retry-After says): a random wait up to it, the cap doubling with each attempt.
    "ITRIS_RETRY_BASE_S": 0.5,
    "OPTIONS_CACHE_SECONDS": 60,
    "AUTO_MIGRATE": False,
    "START_WORKER": False,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "PUSH_MAX_ATTEMPTS": 8,
    "PUSH_RETRY_BASE_S": 2.0,
    "PUSH_LEASE_S": 300,
    "SWEEP_STALE_S": 120,
    # Sign-in throttle: this many failures for one email (or, more, from one client
    # address) within the window answer 429 until the oldest of them leaves the window.
    "LOGIN_MAX_FAILURES": 10,
    "LOGIN_MAX_FAILURES_PER_IP": 50,
    "LOGIN_FAILURE_WINDOW_S": 900,
    # How long a profile lookup trusts what itris last said about a person (person_state.py).
    "ITRIS_STATE_TTL_S": 300.0,
    # How long a profile lookup's answer may be served again while nothing it shows has
    # changed (lookup_cache.py); 0: every lookup is computed afresh.
    "LOOKUP_CACHE_S": 600.0,
    # Requests a second itris allows the API user, paced across every process (through the
    # Redis queue when there is one); None: no client-side limit, itris's 429s pace us.
    "ITRIS_RATE_LIMIT_PER_S": None,
    # Reverse proxies in front of the API whose X-Forwarded-For/-Proto are believed (0: none;
    # the client address is then the connection's).
    "TRUSTED_PROXIES": 0,
    # How passwords are stored: werkzeug's scrypt, N = 2^15 (about 0.1 s a sign-in). Test
    # suites lower it; a stored hash names its own method, so changing it locks no one out.
    "PASSWORD_HASH_METHOD": "scrypt:32768:8:1",
}


def _parse(key: str, raw: str):
    if key in _LIST_KEYS:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if key in _FLOAT_KEYS:
        return float(raw)
    if key in _INT_KEYS:
        return int(raw)
    return raw


def from_environment(environ=os.environ) -> dict:
    """Read every ``ITRIS_SYNC_*`` setting that is set."""
    return {
        key: _parse(key, environ[ENV_PREFIX + key])
        for key in ENV_KEYS
        if ENV_PREFIX + key in environ
    }


def load(overrides: dict | None = None, environ=os.environ) -> dict:
    """Build the full configuration: defaults < environment < explicit overrides."""
    config = dict(DEFAULTS)
    config.update(from_environment(environ))
    config.update(overrides or {})
    instance = Path(config.get("INSTANCE_PATH") or REPO_ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    config["INSTANCE_PATH"] = str(instance)
    config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'itris-sync.sqlite3'}")
    config.setdefault("QUEUE_URL", f"sqlite:///{instance / 'queue.sqlite3'}")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance / "secret.key")
    return config


def _instance_secret(path: Path) -> str:
    """Return the instance's secret, generating it on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret
