"""Field mapping (our variables → itris fields) and the per-field update policy."""

from __future__ import annotations

from typing import Any

from backend.itris import contract as c

ALWAYS = "always"
IF_BLANK = "if_blank"


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def desired_fields(
    record_type: str, variables: dict[str, Any], mapping: dict[str, str], typed: dict[str, Any]
) -> dict[str, Any]:
    """The itris fields a person should have: mapped variables, then what a user typed."""
    writable = set(c.WRITABLE_FIELDS[c.RecordType(record_type)])
    values = {field: variables.get(variable) for field, variable in mapping.items()}
    values.update(typed)
    return {
        field: value.strip() if isinstance(value, str) else value
        for field, value in values.items()
        if field in writable and not blank(value)
    }


def changes_for(
    current: dict[str, Any],
    desired: dict[str, Any],
    policy: dict[str, str],
    only: set[str] | None = None,
) -> dict[str, Any]:
    """What to PATCH: ``always`` overwrites a different value, ``if_blank`` fills empty ones."""
    changes = {}
    for field, value in desired.items():
        if only is not None and field not in only:
            continue
        existing = current.get(field)
        if policy.get(field, IF_BLANK) == ALWAYS:
            if existing != value:
                changes[field] = value
        elif blank(existing):
            changes[field] = value
    return changes


def merged_keywords(existing: list[str] | None, tags: list[str]) -> list[str] | None:
    """Existing keywords plus any new tags (case-insensitive); None when nothing is new."""
    existing = list(existing or [])
    known = {keyword.casefold() for keyword in existing}
    added = [tag for tag in tags if tag.casefold() not in known]
    return existing + added if added else None
