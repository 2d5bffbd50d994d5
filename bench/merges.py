"""Merging and undoing at scale: random pairs of a big workspace merged through the product's
own service (history moved, figures recounted, rollups and likely duplicates kept, one
audit entry), then the merge undone; each undo checked to bring both customers back as they
were. Prints p50/p95 of each, beside the bare SQL of reading the two customers.

    DATABASE_URL=sqlite:////path/m1.db python bench/merges.py --pairs 100

Run it on a copy: each merge leaves its record and audit entries behind (the customers
themselves come back).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from typing import Any

from sqlalchemy import select

from patronage.cli.acting import acting
from patronage.customers.models import Customer
from patronage.db import session_scope
from patronage.merges import service
from patronage.settings import get_settings

_SKIP = ("version", "updated_at")  # the survivor is written twice: these move on


def _rows(session: Any, tenant_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    session.expire_all()
    table = Customer.__table__
    return {r["id"]: {k: v for k, v in r.items() if k not in _SKIP}
            for r in session.execute(select(table).where(
                table.c.tenant_id == tenant_id, table.c.id.in_(ids))).mappings()}


def _p(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"p50 {ordered[len(ordered) // 2]:.1f} ms, "
            f"p95 {ordered[max(0, int(len(ordered) * 0.95) - 1)]:.1f} ms, "
            f"max {ordered[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    merged_ms, undone_ms, raw_ms, moved = [], [], [], []
    with session_scope() as session:
        principal = acting(session, args.tenant, None)
        tenant = principal.tenant_id
        top = session.scalar(select(Customer.id).where(Customer.tenant_id == tenant)
                             .order_by(Customer.id.desc()).limit(1)) or 0
        customers = session.scalar(select(Customer.id).where(Customer.tenant_id == tenant)
                                   .order_by(Customer.id).limit(1)) or 0
        for _ in range(args.pairs):
            pair = sorted({rng.randint(customers, top), rng.randint(customers, top)})
            if len(pair) < 2 or len(_rows(session, tenant, pair)) < 2:
                continue
            before = _rows(session, tenant, pair)
            session.rollback()
            started = time.perf_counter()
            merge_id = service.merge(session, principal, pair[0], [pair[1]])
            merged_ms.append((time.perf_counter() - started) * 1000)
            moved.append(sum(service.get(session, tenant, merge_id).moved.values()))
            session.rollback()
            started = time.perf_counter()
            service.undo(session, principal, merge_id)
            undone_ms.append((time.perf_counter() - started) * 1000)
            after = _rows(session, tenant, pair)
            assert after == before, f"undo of merge {merge_id} changed {pair}"
            session.rollback()
    url = get_settings().database_url
    if url.startswith("sqlite:///"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"))
        for _ in range(len(merged_ms)):
            ids = (rng.randint(customers, top), rng.randint(customers, top))
            started = time.perf_counter()
            raw.execute("SELECT * FROM customers WHERE tenant_id = ? AND id IN (?, ?)",
                        (tenant, *ids)).fetchall()
            raw_ms.append((time.perf_counter() - started) * 1000)
    print(f"{len(merged_ms)} pairs of customers #{customers}..#{top} "
          f"(rows moved per merge: median {sorted(moved)[len(moved) // 2]}, "
          f"max {max(moved)}); every undo gave both back as they were")
    print(f"  merge (service.merge, one transaction): {_p(merged_ms)}")
    print(f"  undo  (service.undo, one transaction):  {_p(undone_ms)}")
    if raw_ms:
        print(f"  bare SQL, reading the two customers:    {_p(raw_ms)}")


if __name__ == "__main__":
    main()
