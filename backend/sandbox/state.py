"""One sandbox's moving parts, wired together: store, tokens, faults, stats, webhooks."""

from __future__ import annotations

from flask import current_app

import backend.itris.contract as c
from backend.sandbox import seed
from backend.sandbox.auth import Tokens
from backend.sandbox.faults import FaultInjector
from backend.sandbox.stats import Stats
from backend.sandbox.store import Store
from backend.sandbox.webhooks import WebhookDispatcher

RECORD_TYPES = {record_type.value for record_type in c.RecordType}


class SandboxState:
    """Everything a running sandbox holds; ``reset`` puts it back to a seeded start."""

    def __init__(
        self,
        seed: int = 1,
        companies: int | None = None,
        applicants: int | None = None,
        contacts: int | None = None,
    ):
        self.stats = Stats()
        self.webhooks = WebhookDispatcher(self.stats)
        self.store = Store(on_created=self._created)
        self.tokens = Tokens()
        self.faults = FaultInjector(seed)
        self.reset(seed, companies=companies, applicants=applicants, contacts=contacts)

    def reset(
        self,
        seed_value: int = 1,
        companies: int | None = None,
        applicants: int | None = None,
        contacts: int | None = None,
    ) -> None:
        """Re-seed the data and forget faults, tokens, stats and the webhook."""
        data = seed.generate(seed_value, companies, applicants, contacts)
        self.store.load(data)
        self.faults.reset(seed_value)
        self.tokens.clear()
        self.stats.reset()
        self.webhooks.reset()

    def stats_snapshot(self) -> dict:
        snapshot = self.stats.snapshot()
        snapshot["webhooks"]["pending"] = self.webhooks.pending
        return snapshot

    def close(self) -> None:
        self.webhooks.close()

    def _created(self, kind: str, record: dict) -> None:
        self.stats.created(kind)
        if kind in RECORD_TYPES:
            self.webhooks.record_created(c.RecordType(kind), record)


EXTENSION_KEY = "itris_sandbox"


def current_state() -> SandboxState:
    """The sandbox behind the Flask app serving this request."""
    return current_app.extensions[EXTENSION_KEY]
