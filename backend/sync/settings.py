"""Settings as the engine reads them: effective values, and what the team and user set."""

from __future__ import annotations

from backend.settings import store


def settings_for(team_id: int, user_id: int | None) -> tuple[dict, dict, dict]:
    """``(effective, team, user)``; ``user`` holds only the overrides the admin allows."""
    team = store.team_settings(team_id)
    if user_id is None:
        return team, team, {}
    locks = set(store.team_locks(team_id))
    user = {k: v for k, v in store.user_overrides(user_id).items() if k not in locks}
    return store.effective(team_id, user_id), team, user
