"""What the sandbox knows about each itris field: its type, its look-up list, its label.

Field names all come from the contract; this module only adds what itris's Swagger would
say about them. A field the contract adds later is treated as a string until typed here.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from types import MappingProxyType

import backend.itris.contract as c

STRING, INTEGER, BOOLEAN, STRING_LIST = "string", "integer", "boolean", "array"

FIELD_TYPES = {
    c.STATUS_ID: INTEGER,
    c.OWNER_USER_ID: INTEGER,
    c.COMPANY_ID: INTEGER,
    c.CONTACT_TYPE_ID: INTEGER,
    c.SECTOR_ID: INTEGER,
    c.KEYWORDS: STRING_LIST,
    c.OFF_LIMITS: BOOLEAN,
    c.EMAIL_OPT_OUT: BOOLEAN,
}
DEFAULTS = {STRING: None, INTEGER: None, BOOLEAN: False}

# Names the sandbox answers with that the contract does not (yet) name.
RECORD_TYPE = "recordType"  # on comments and attachments: the owner's collection
RECORD_ID = "recordId"  # ... and the owner's id
SIZE = "size"  # attachment size in bytes (the content itself is never listed)

# itris keeps company statuses in the same list as contact statuses ("Prospect", "Client").
COMPANY_STATUS_LIST = c.ListName.CONTACT_STATUSES

LABELS = {
    c.OWNER_USER_ID: "Owner",
    c.EMAIL_OPT_OUT: "Email opt-out",
    c.WEB_ADDRESS: "Web address (LinkedIn)",
    c.KEYWORDS: "Keywords (tags)",
}


def iso(moment: datetime) -> str:
    """Format an instant as the sandbox writes it: UTC, microseconds, Z (sorts as text)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def now() -> str:
    return iso(datetime.now(UTC))


def field_type(name: str) -> str:
    return FIELD_TYPES.get(name, STRING)


def blank_record(record_type: str) -> dict:
    """Every writable field of a record type at its empty value."""
    scalars, lists = _blank_template(c.RecordType(record_type))
    record = dict(scalars)
    for name in lists:
        record[name] = []
    return record


@functools.cache
def _blank_template(record_type: c.RecordType) -> tuple[MappingProxyType, tuple[str, ...]]:
    names = c.WRITABLE_FIELDS[record_type]
    lists = tuple(name for name in names if field_type(name) == STRING_LIST)
    scalars = {name: None if name in lists else DEFAULTS[field_type(name)] for name in names}
    return MappingProxyType(scalars), lists


@functools.cache
def lookup_lists(record_type: str) -> MappingProxyType:
    """Fields of a record type whose values are ids from a look-up list."""
    record_type = c.RecordType(record_type)
    candidates = {
        c.STATUS_ID: c.STATUS_LIST_FOR.get(record_type, COMPANY_STATUS_LIST),
        c.CONTACT_TYPE_ID: c.ListName.CONTACT_TYPES,
        c.SECTOR_ID: c.ListName.SECTORS,
    }
    writable = c.WRITABLE_FIELDS[record_type]
    return MappingProxyType({name: kind for name, kind in candidates.items() if name in writable})


def label(name: str) -> str:
    """A human label: ``contactTypeId`` reads "Contact type"."""
    if name in LABELS:
        return LABELS[name]
    words = re.sub(r"(?<!^)([A-Z])", r" \1", name).lower().split()
    if len(words) > 1 and words[-1] == "id":
        words.pop()
    return " ".join(words).capitalize()


def catalogue(record_type: str) -> list[dict]:
    """The field catalogue of a record type, as itris lists it."""
    record_type = c.RecordType(record_type)
    required = c.REQUIRED_ON_CREATE[record_type]
    return [
        {
            c.CATALOGUE_NAME: name,
            c.CATALOGUE_LABEL: label(name),
            c.CATALOGUE_TYPE: field_type(name),
            c.CATALOGUE_REQUIRED: name in required,
        }
        for name in c.WRITABLE_FIELDS[record_type]
    ]
