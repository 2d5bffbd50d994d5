"""Likely duplicates of a workspace: read as the finder compares them, listed highest score
first, and dismissed for good (until one side's keys change)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, or_, select, tuple_
from sqlalchemy.orm import Session

from patronage.customers import access
from patronage.customers.models import Customer
from patronage.db import utcnow
from patronage.duplicates.codes import DuplicateCode
from patronage.duplicates.likeness import Profile, profile
from patronage.duplicates.models import DuplicateDismissal, DuplicatePair
from patronage.errors import NotFound, ValidationFailed
from patronage.pagination import decode_cursor, encode_cursor
from patronage.tenancy.schemas import Principal

# What the finder reads of each customer.
COLUMNS = (Customer.id, Customer.type, Customer.company_name, Customer.first_name,
           Customer.last_name, Customer.email, Customer.phone, Customer.license_key,
           Customer.external_id, Customer.address1, Customer.zip, Customer.city)


def profiles_of(conn: Connection, tenant_id: int, ids: Iterable[int] | None = None
                ) -> list[Profile]:
    """The profiles of a workspace's customers (of ``ids`` only, when given), by id."""
    query = select(*COLUMNS).where(Customer.tenant_id == tenant_id).order_by(Customer.id)
    if ids is None:
        rows = conn.execution_options(yield_per=10_000).execute(query).mappings()
        return [profile(row) for row in rows]
    return [profile(row) for row in values_of(conn, tenant_id, ids)]


def values_of(conn: Connection, tenant_id: int, ids: Iterable[int]) -> list[dict[str, Any]]:
    """What the finder reads of customers ``ids`` (those that exist), by id."""
    query = select(*COLUMNS).where(Customer.tenant_id == tenant_id).order_by(Customer.id)
    wanted, found = sorted(set(ids)), []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found += [dict(row) for row in conn.execute(
            query.where(Customer.id.in_(chunk))).mappings()]
    return found


def keys_of(a: Profile, b: Profile) -> str:
    """A digest of the keys two customers are told apart by: a dismissal holds while it is
    the same."""
    said = "|".join(f"{p.license}\x1f{p.external_id}\x1f{p.email}\x1f{p.phone}"
                    for p in (a, b))
    return hashlib.sha256(said.encode()).hexdigest()


def pair_of(ids: Sequence[int]) -> tuple[int, int]:
    """Two different customer ids, lower first, or a field error."""
    if len(ids) != 2 or ids[0] == ids[1]:
        raise ValidationFailed.field("customers", "Name two different customers.",
                                     DuplicateCode.INVALID_PAIR)
    low, high = sorted(ids)
    return low, high


def page(session: Session, tenant_id: int, limit: int, cursor: str | None
         ) -> tuple[list[DuplicatePair], str | None]:
    """Likely duplicates, highest score first, ``limit`` at a time."""
    query = (select(DuplicatePair).where(DuplicatePair.tenant_id == tenant_id)
             .order_by(DuplicatePair.score.desc(), DuplicatePair.id.desc()))
    if cursor:
        score, last = _cursor(cursor)
        query = query.where(tuple_(DuplicatePair.score, DuplicatePair.id) < (score, last))
    found = list(session.scalars(query.limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    return found, encode_cursor([found[-1].score, found[-1].id]) if more else None


def _cursor(cursor: str) -> tuple[float, int]:
    key = decode_cursor(cursor)
    if len(key) != 2 or not isinstance(key[0], int | float) or not isinstance(key[1], int) \
            or isinstance(key[1], bool) or not 0 <= key[0] <= 1 or not 0 < key[1] < 2**31:
        raise ValidationFailed.field("cursor", "The cursor is not one this server issued.",
                                     "invalid_cursor")
    return float(key[0]), key[1]


def dismiss(session: Session, principal: Principal, ids: Sequence[int]) -> DuplicateDismissal:
    """Say two customers are not one: their pair leaves the list and is not proposed again
    while both keep their keys."""
    low, high = pair_of(ids)
    customers = {c.id: c for c in session.scalars(select(Customer).where(
        Customer.tenant_id == principal.tenant_id, Customer.id.in_((low, high))))}
    for customer_id in (low, high):
        if customer_id not in customers:
            raise NotFound(f"No customer with id {customer_id}.")
        access.require_editor(session, principal, customers[customer_id])  # a rep's own
    found = {i: profile({c.key: getattr(customers[i], c.key) for c in COLUMNS})
             for i in (low, high)}
    keys = keys_of(found[low], found[high])
    dismissal = session.get(DuplicateDismissal, (principal.tenant_id, low, high))
    if dismissal is None:
        dismissal = DuplicateDismissal(tenant_id=principal.tenant_id, low_id=low,
                                       high_id=high, keys=keys)
        session.add(dismissal)
    dismissal.keys, dismissal.user_id, dismissal.dismissed_at = keys, principal.user_id, utcnow()
    session.execute(delete(DuplicatePair).where(
        DuplicatePair.tenant_id == principal.tenant_id, DuplicatePair.low_id == low,
        DuplicatePair.high_id == high))
    session.commit()
    return dismissal


def still_dismissed(conn: Connection, tenant_id: int,
                    found: dict[tuple[int, int], Any], profiles: dict[int, Profile]
                    ) -> set[tuple[int, int]]:
    """Which of the ``found`` pairs staff dismissed while both sides had the keys they
    have now (``profiles``: the found pairs' customers, by id)."""
    query = select(DuplicateDismissal.low_id, DuplicateDismissal.high_id,
                   DuplicateDismissal.keys).where(DuplicateDismissal.tenant_id == tenant_id)
    lows = sorted({low for low, _high in found})
    if len(lows) <= 500:  # a write's few pairs: their dismissals only
        query = query.where(DuplicateDismissal.low_id.in_(lows))
    dismissed = conn.execute(query).all()
    return {(low, high) for low, high, keys in dismissed
            if (low, high) in found and low in profiles and high in profiles
            and keys_of(profiles[low], profiles[high]) == keys}


def dismissed_with(conn: Connection, tenant_id: int, customer_id: int) -> set[int]:
    """The customers staff said ``customer_id`` is not."""
    rows = conn.execute(select(DuplicateDismissal.low_id, DuplicateDismissal.high_id).where(
        DuplicateDismissal.tenant_id == tenant_id,
        or_(DuplicateDismissal.low_id == customer_id,
            DuplicateDismissal.high_id == customer_id))).all()
    return {high if low == customer_id else low for low, high in rows}
