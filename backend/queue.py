"""The task queue: one huey instance whose storage comes from ``ITRIS_SYNC_QUEUE_URL``.

``sqlite:///path`` gives SqliteHuey storage (the embedded default), ``redis://…`` gives
RedisHuey storage for consumers on many hosts. Tasks run inside the bound app's context.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from urllib.parse import urlparse

from huey import Huey
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from backend.itris import ratelimit

log = logging.getLogger(__name__)


class AppHuey(Huey):
    """A huey whose storage is chosen when the app is configured, not at import."""

    storage_class = MemoryStorage

    def configure(self, url: str) -> None:
        """Point the queue at ``url`` (sqlite:///… or redis://…)."""
        self.storage_class, self.storage_kwargs = storage_for(url)
        self.storage = self.create_storage()


def storage_for(url: str) -> tuple[type, dict]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///") or "queue.sqlite3"}
    if parsed.scheme in ("redis", "rediss"):
        return RedisStorage, {"url": url}
    if parsed.scheme == "memory":
        return MemoryStorage, {}
    raise ValueError(f"unsupported queue URL {url!r}: use sqlite:///path or redis://host:port/db")


huey = AppHuey("itris-sync", utc=True)
_app = {"app": None}


def init_app(app) -> None:
    """Bind the queue to ``app``: its storage URL, and the app tasks run inside.

    The queue's Redis, which every API and worker process reaches, also carries the itris
    rate limit (``ITRIS_RATE_LIMIT_PER_S``) they share; without Redis each process paces
    itself at that rate.
    """
    url = app.config["QUEUE_URL"]
    huey.configure(url)
    _app["app"] = app
    app.extensions["queue"] = huey
    shared = url if urlparse(url).scheme in ("redis", "rediss") else None
    ratelimit.configure(app.config.get("ITRIS_RATE_LIMIT_PER_S"), shared)


@contextmanager
def app_context():
    """The bound app's context, for code running in a task."""
    app = _app["app"]
    if app is None:
        raise RuntimeError("the queue is not bound to an app; call backend.queue.init_app")
    with app.app_context():
        yield app


# An idle consumer polls at most this often: a recruiter watching "queued" should not wait
# long for it to turn into "running" (Redis storage blocks on the list instead of polling).
MAX_POLL_DELAY_S = 0.5


def create_consumer(workers: int) -> Consumer:
    """A thread-based consumer of this queue with the project's polling limits."""
    import backend.jobs  # noqa: F401  (registers the tasks)

    return huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, max_delay=MAX_POLL_DELAY_S
    )


def start_consumer(workers: int = 2) -> Consumer:
    """Run a consumer inside this process (threads), as ``serve`` does by default."""
    consumer = create_consumer(workers)
    # Consumer.start() would install signal handlers, which only the main thread may do,
    # and which would fight the web server's own; start its threads directly instead.
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    log.info("in-process queue consumer started with %s threads", workers)
    return consumer


def stop_consumer(consumer: Consumer) -> None:
    consumer.stop(graceful=True)
