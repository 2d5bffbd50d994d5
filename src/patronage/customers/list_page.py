"""The admin directory page's state: the query string <-> ListParams, chips, sort links.

The URL always holds the whole state (search, filters, sort), so a view can be bookmarked.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.datastructures import QueryParams

from patronage.customers import fields
from patronage.customers.filters import ListParams, query_values
from patronage.customers.schemas import CustomerPage
from patronage.customers.tables import COLUMNS
from patronage.errors import FieldError, from_pydantic

LABELS = {
    "id": "ID", "name": "Name", "type": "Type", "store": "Store", "master_store": "Master store",
    "email": "Email", "phone": "Phone", "status": "Status", "sales_rep": "Sales rep",
    "payment_terms": "Payment terms", "license_type": "License type", "state": "State",
    "city": "City", "zip": "ZIP", "tag": "Tag", "tax_exempt": "Tax exempt",
    "subscription": "Subscribed", "registered_from": "Registered from",
    "registered_to": "Registered to", "last_login_from": "Last login from",
    "last_login_to": "Last login to", "last_order_from": "Last order from",
    "last_order_to": "Last order to", "last_activity_from": "Last activity from",
    "last_activity_to": "Last activity to", "order_count_min": "Orders ≥",
    "order_count_max": "Orders ≤", "total_spent_min": "Spent ≥", "total_spent_max": "Spent ≤",
    "has_no_orders": "No orders", "has_no_email": "No email", "risk_level": "Risk",
    "shopper_level": "Shopper level", "country": "Country", "membership_id": "Membership ID",
    "age_limited": "Age-limited products", "birthday_month": "Birthday month",
    "birthday_within": "Birthday within (days)",
    "birthday_from": "Born from", "birthday_to": "Born to",
    "license_expires_from": "License expires from", "license_expires_to": "License expires to",
    "license_expires_within": "License expires within (days)",
    "sort": "Sort", "limit": "Page size",  # named when a bad one is left out
}


def _soon(days: int) -> str:
    return ("today" if days == 0 else "today or tomorrow" if days == 1
            else f"in the next {days} days")


MONTHS = tuple(calendar.month_name)[1:]  # the panel's birthday months, 1 = January
# Choices shown in words (the panel's boxes and the chips alike).
CHOICE_LABELS = {"risk_level": {level: level.capitalize() for level in fields.RISK_LEVELS}}

# Filters a chip says as a sentence rather than "label: value".
PHRASES: dict[str, Callable[[Any], str]] = {
    "birthday_month": lambda month: f"Birthday in {MONTHS[month - 1]}",
    "birthday_within": lambda days: f"Birthday {_soon(days)}",
    "license_expires_within": lambda days: f"License expires {_soon(days)}",
}
# Earlier names of filters, still read (the API takes them too).
ALIASES = {"spent_min": "total_spent_min", "spent_max": "total_spent_max"}
# filter -> the choices list whose names label its ids
NAMED_BY = {"status": "statuses", "sales_rep": "users", "payment_terms": "payment_terms",
            "license_type": "license_types", "store": "stores", "master_store": "stores"}


@dataclass
class Chip:
    key: str
    label: str
    remove_url: str


@dataclass
class Trail:
    """Where a page of the list is: its number, and the cursors of the pages before it
    (``back``: "0" for the first page), so it can link to the previous page as well as the
    next — keyset paging only knows the way forward."""

    number: int = 1
    back: tuple[str, ...] = ()

    MAX = 60  # pages remembered behind; further back, "First page"

    @classmethod
    def read(cls, query: QueryParams, params: ListParams) -> Trail:
        if not params.cursor:
            return cls()
        raw = query.get("page", "")
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else 0
        back = tuple(c for c in query.get("back", "")[:40_000].split(".")
                     if c == "0" or _CURSOR.fullmatch(c))[-cls.MAX:]
        return cls(max(number, 2), back) if number else cls(2, ())

    def query(self) -> str:
        """The page's own place, as query parameters to append (nothing on page one)."""
        if self.number == 1:
            return ""
        return "&" + urlencode({"page": self.number, "back": ".".join(self.back)})

    def next_url(self, params: ListParams, next_cursor: str) -> str:
        back = (*self.back, params.cursor or "0")[-self.MAX:]
        return url(params, cursor=next_cursor) + Trail(self.number + 1, back).query()

    def previous_url(self, params: ListParams) -> str | None:
        """The page before (None on page one; the first page when the trail is lost)."""
        if self.number == 1:
            return None
        if not self.back or self.back[-1] == "0":
            return url(params)
        return url(params, cursor=self.back[-1]) + Trail(self.number - 1,
                                                         self.back[:-1]).query()

    def first_row(self, limit: int) -> int:
        return (self.number - 1) * limit + 1

    @property
    def whole(self) -> bool:
        """Whether every page before this one is known (a link cut short, or one from far
        back, says page 2 or keeps the last MAX): only then do the rows before it count."""
        return len(self.back) == self.number - 1

    def shown_total(self, page: CustomerPage, limit: int) -> tuple[int, bool]:
        """The total the page shows, and whether it is exact. A bound (total_exact false)
        is at least the rows paged through so far, and on the last page those are all of
        them (page 3 of a big walked search never says "more than 0"), when the trail
        knows every page before this one."""
        if page.total_exact or not self.whole:
            return page.total, page.total_exact
        seen = self.first_row(limit) + len(page.items) - 1
        return (max(page.total, seen), False) if page.next_cursor else (seen, True)


_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,500}")


def read(query: QueryParams) -> tuple[ListParams, list[FieldError]]:
    """The page's parameters; a bad one is reported and left out, never a dead page."""
    raw = {ALIASES.get(k, k): v for k, v in query_values(query.multi_items()).items()
           if ALIASES.get(k, k) in ListParams.model_fields}
    try:
        return ListParams.model_validate(raw), []
    except ValidationError as exc:
        errors = from_pydantic(exc.errors())
        for name in {e.name for e in errors}:
            raw.pop(name, None)
        return ListParams.model_validate(raw), errors


def url(params: ListParams, **changes: Any) -> str:
    """/customers with the same state but ``changes`` (None removes a key)."""
    state = params.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    state.pop("cursor", None)
    for key, value in changes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    pairs = []
    for key, value in state.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return "/customers" + (f"?{urlencode(pairs)}" if pairs else "")


def chips(params: ListParams, choices: dict[str, Any]) -> list[Chip]:
    out = []
    if params.q:
        out.append(Chip("q", f"Search: “{params.q}”", url(params, q=None)))
    for key, value in params.filters().active().items():
        names = choices["by_id"].get(NAMED_BY.get(key, ""), {})
        if isinstance(value, list):
            for item in value:
                shown = ("Me" if item == "me" else CHOICE_LABELS[key][item]
                         if key in CHOICE_LABELS else getattr(names.get(item), "name", item))
                rest = [v for v in value if v != item] or None
                out.append(Chip(key, f"{LABELS[key]}: {shown}", url(params, **{key: rest})))
        else:
            shown = (("yes" if value else "no") if isinstance(value, bool)
                     else f"${value:,}" if key.startswith("total_spent") else value)
            said = PHRASES[key](value) if key in PHRASES else f"{LABELS[key]}: {shown}"
            out.append(Chip(key, said, url(params, **{key: None})))
    return out


def sort_links(params: ListParams) -> dict[str, tuple[str, str]]:
    """Per sortable column: the URL that sorts by it, and the current direction (or '')."""
    current = params.sort or ("" if params.q else "-id")
    links = {}
    for key, column in COLUMNS.items():
        if not column.sort:
            continue
        if current == key:
            links[key] = (url(params, sort=f"-{key}"), "asc")
        elif current == f"-{key}":
            links[key] = (url(params, sort=key), "desc")
        else:
            first = f"-{key}" if column.numeric or key.endswith("_at") else key
            links[key] = (url(params, sort=first), "")
    return links
