"""A bounded, thread-safe least-recently-used map, for what a process keeps in memory."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LRU:
    """A bounded, thread-safe least-recently-used map."""

    def __init__(self, size: int):
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()

    def get(self, key, default=None):
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def pop(self, key, default=None):
        with self._lock:
            return self._items.pop(key, default)


def app_lru(name: str, size: int) -> LRU:
    """The current app's LRU of this name (``app.extensions``), made on first use: what one
    API process keeps in memory for every request."""
    from flask import current_app

    kept = current_app.extensions.get(name)
    if kept is None:
        kept = current_app.extensions.setdefault(name, LRU(size))
    return kept
