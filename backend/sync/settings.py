"""Settings as the engine reads them: effective values, and what the team and user set."""

from __future__ import annotations

from backend.settings import store


def settings_for(team_id: int, user_id: int | None) -> tuple[dict, dict, dict]:
    """``(effective, team, user)``; ``user`` holds only the overrides the admin allows."""
    merged, team, locks, overrides = store.resolve(team_id, user_id)
    locked = set(locks)
    return merged, team, {k: v for k, v in overrides.items() if k not in locked}
