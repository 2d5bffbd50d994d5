"""What a merged customer keeps of each field: the value of the customer staff pick, by
default the most recent non-empty one (the survivor's for its keys), fields that belong
together (an address, a license, a name) taken from one customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from patronage.customers import fields

# Kept from one customer each (not the figures, tags — joined —, nor the times events set).
KEPT = tuple(f for f in fields.EDITABLE
             if f not in ("tags", "last_login_at", "last_activity_at"))
# The keys customers are found by: the survivor's, unless it has none.
KEYS = ("license_number", "external_id", "email", "phone")
# Fields that follow the first of their group when it is the one deciding.
GROUPS = {
    "address1": ("address1", "address2", "city", "state", "zip", "country"),
    "license_number": ("license_number", "license_type_id", "license_expires_on"),
    "first_name": ("first_name", "last_name"),
}
FOLLOWS = {member: lead for lead, members in GROUPS.items() for member in members}
# The type of the kept customer: the fullest relationship among them.
_TYPE_RANK = {"guest": 0, "registered": 1, "business": 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def _when(row: Mapping[str, Any], field: str) -> datetime:
    value = row.get(field)
    if value is None:
        return _EPOCH
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def defaults(rows: Sequence[Mapping[str, Any]], survivor_id: int) -> dict[str, int]:
    """For each kept field, whose value the survivor keeps unless staff pick another."""
    survivor = next(r for r in rows if r["id"] == survivor_id)
    recent = sorted(rows, key=lambda r: (_when(r, "updated_at"), r["id"]), reverse=True)
    out: dict[str, int] = {}

    def decided(field: str) -> int:
        if field == "type":
            return max(rows, key=lambda r: (_TYPE_RANK[r["type"]], r["id"] == survivor_id,
                                            _when(r, "updated_at")))["id"]
        if field in KEYS and not empty(survivor[field]):
            return survivor_id
        # An address or a name: whoever has any part of it (a license: its number).
        parts = GROUPS[field] if field in GROUPS and field not in KEYS else (field,)
        holders = [r for r in recent if any(not empty(r[p]) for p in parts)]
        if field == "registered_at":  # a customer since the first of them registered
            holders.sort(key=lambda r: _when(r, "registered_at"))
        return holders[0]["id"] if holders else survivor_id

    leads = {lead: decided(lead) for lead in {FOLLOWS.get(f, f) for f in KEPT}}
    for field in KEPT:
        out[field] = leads[FOLLOWS.get(field, field)]
    return out


def values(rows: Sequence[Mapping[str, Any]], sources: Mapping[str, int]) -> dict[str, Any]:
    """The kept value of each field, from the customer ``sources`` names."""
    by_id = {r["id"]: r for r in rows}
    return {field: by_id[source][field] for field, source in sources.items()}
