"""Exit 0 when the PostgreSQL and Redis the scale-out test run needs both answer."""

import os
import sys

PG = os.environ.get("ITRIS_SYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ITRIS_SYNC_TEST_REDIS", "redis://127.0.0.1:6379/15")


def answers() -> list[str]:
    """What does not answer (empty when both do)."""
    import redis
    from sqlalchemy import create_engine, text

    down = []
    try:
        engine = create_engine(PG, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001  (any failure means "not available")
        down.append(f"PostgreSQL at {PG}: {exc.__class__.__name__}")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        down.append(f"Redis at {REDIS}: {exc.__class__.__name__}")
    return down


if __name__ == "__main__":
    if "--urls" in sys.argv:
        print(PG, REDIS)
        sys.exit(0)
    problems = answers()
    for problem in problems:
        print(f"not answering: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)
