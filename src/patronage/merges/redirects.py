"""What merged customers keep answering to: their ids (the survivor's address, 308) and
their keys (events and imports naming one find the survivor)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from patronage.customers.models import Customer
from patronage.db import among
from patronage.errors import Merged, NotFound, PatronageError
from patronage.merges.models import CustomerRedirect, MergedKey

# A survivor may be merged again: ids are followed this many merges at most.
_HOPS = 32


def survivor_of(conn: Connection, tenant_id: int, customer_id: int) -> int | None:
    """The customer a merged ``customer_id`` lives on as now (following later merges), or
    None when it was never merged (or its survivor is gone)."""
    r = CustomerRedirect.__table__.c
    current, seen = customer_id, False
    for _ in range(_HOPS):
        into = conn.scalar(select(r.survivor_id).where(r.tenant_id == tenant_id,
                                                       r.merged_id == current))
        if into is None:
            break
        current, seen = into, True
    if not seen:
        return None
    exists = conn.scalar(select(Customer.id).where(Customer.tenant_id == tenant_id,
                                                   Customer.id == current))
    return current if exists is not None else None


def no_customer(conn: Connection, tenant_id: int, customer_id: int) -> PatronageError:
    """The answer for an id no customer of the workspace has: the survivor's address if
    it was merged, else 404."""
    into = survivor_of(conn, tenant_id, customer_id)
    if into is not None:
        return Merged(f"Customer #{customer_id} was merged into customer #{into}.",
                      merged_id=customer_id, merged_into=into)
    return NotFound(f"No customer with id {customer_id}.")


def highest_merged_id(conn: Connection) -> int:
    """The highest id a merged customer had, in any workspace (ids are shared)."""
    return conn.scalar(select(func.max(CustomerRedirect.merged_id))) or 0


def key_holders(conn: Connection, tenant_id: int, rule: str, keys: Iterable[str]
                ) -> dict[str, int]:
    """Keys of ``rule`` that merged customers were known by: the customer each now lives on
    as (the latest merge of a key wins)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    k = MergedKey.__table__.c
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(select(k.key, k.customer_id).where(
            k.tenant_id == tenant_id, k.rule == rule,
            among(conn, k.key, wanted[start:start + 500]))
            .order_by(k.merge_id))
        found.update(dict(rows.all()))
    out = {}
    for key, cid in found.items():
        alive = conn.scalar(select(Customer.id).where(Customer.tenant_id == tenant_id,
                                                      Customer.id == cid))
        into = cid if alive is not None else survivor_of(conn, tenant_id, cid)
        if into is not None:
            out[key] = into
    return out
