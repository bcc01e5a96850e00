"""itris's record-created webhooks, sent from a background thread.

Each creation of an applicant, contact or company is queued as one signed POST to the
configured URL; the API answer never waits for it. A failed delivery is logged and
counted in the stats, never raised and not retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading

import requests

import backend.itris.contract as c
from backend.sandbox.fields import now
from backend.sandbox.stats import Stats

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_S = 5.0
_STOP = object()


def signature(secret: str, body: bytes) -> str:
    """The ``X-Itris-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return c.SIGNATURE_PREFIX + digest


def event_body(record_type: c.RecordType, record: dict) -> bytes:
    return json.dumps(
        {
            c.WEBHOOK_EVENT: c.WEBHOOK_EVENTS[record_type],
            c.WEBHOOK_RECORD_TYPE: record_type.value,
            c.WEBHOOK_RECORD: record,
            c.WEBHOOK_OCCURRED_AT: now(),
        }
    ).encode()


class WebhookDispatcher:
    """A queue of pending deliveries and the one daemon thread that sends them in order."""

    def __init__(self, stats: Stats):
        self._stats = stats
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._url: str | None = None
        self._secret: str | None = None
        self._generation = 0  # bumped by reset: deliveries queued before it are skipped
        self._pending = 0
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str | None:
        return self._url

    @property
    def pending(self) -> int:
        return self._pending

    def configure(self, url: str | None, secret: str | None) -> None:
        with self._lock:
            self._url, self._secret = url, secret

    def reset(self) -> None:
        with self._lock:
            self._url, self._secret = None, None
            self._generation += 1

    def record_created(self, record_type: c.RecordType, record: dict) -> None:
        """Queue the webhook for a new record (nothing happens while no URL is set)."""
        with self._lock:
            if self._url is None:
                return
            job = (self._generation, self._url, self._secret, record_type, record)
            self._pending += 1
        self._queue.put(job)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=DELIVERY_TIMEOUT_S + 1)
        self._session.close()

    def _run(self) -> None:
        while (job := self._queue.get()) is not _STOP:
            generation, url, secret, record_type, record = job
            try:
                if generation == self._generation:
                    ok = self._deliver(url, secret, event_body(record_type, record))
                    if generation == self._generation:
                        self._stats.count("webhook_ok" if ok else "webhook_failed")
            finally:
                with self._lock:
                    self._pending -= 1

    def _deliver(self, url: str, secret: str | None, body: bytes) -> bool:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[c.SIGNATURE_HEADER] = signature(secret, body)
        try:
            response = self._session.post(
                url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT_S
            )
        except requests.RequestException as exc:
            log.warning("webhook to %s failed: %s", url, exc)
            return False
        if not response.ok:
            log.warning("webhook to %s answered %s", url, response.status_code)
        return response.ok
