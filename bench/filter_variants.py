"""Each filter and sort variant of the directory alone, in-process: where a shape's time goes.

Usage: .venv/bin/python bench/filter_variants.py --db PATH [--runs 15]

Calls customers.service.list_customers as a request does (the `demo` workspace of a seeded
file, e.g. the one bench/directory.py builds), RUNS times per variant, and prints p50 and
max of the whole call next to the p50 of its count, and the total the page would show.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

VARIANTS: list[tuple[dict[str, Any], str | None]] = [
    ({}, None),
    ({"risk_level": ["high"]}, None),
    ({"risk_level": ["medium", "high"]}, "-total_spent"),
    ({"shopper_level": ["Platinum"]}, None),
    ({"country": ["US"], "age_limited": True}, None),
    ({"country": ["CA"]}, None),
    ({"birthday_month": 6}, None),
    ({"birthday_within": 30}, None),
    ({"birthday_from": "1980-01-01", "birthday_to": "1989-12-31"}, None),
    ({"birthday_from": "1990-06-01", "birthday_to": "1990-06-30"}, None),
    ({"birthday_from": "2000-01-01"}, "-last_order_at"),
    ({"license_expires_within": 30}, None),
    ({"license_expires_within": 90}, "license_expires_on"),
    ({"type": ["business"], "license_expires_from": "2026-12-01"}, "license_expires_on"),
    ({}, "license_expires_on"),
    ({}, "-license_expires_on"),
    ({}, "first_order_at"),
    ({}, "-first_order_at"),
    ({"state": ["CA"]}, "-first_order_at"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="A seeded SQLite file (migrated).")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{os.path.abspath(args.db)}"
    from sqlalchemy import text

    from patronage.customers import queries, service
    from patronage.customers.filters import CustomerFilters
    from patronage.db import bind_tenant, session_scope

    counts: list[float] = []
    count = queries._count

    def timed_count(*a: Any, **k: Any) -> Any:
        started = time.perf_counter()
        try:
            return count(*a, **k)
        finally:
            counts.append((time.perf_counter() - started) * 1000)

    queries._count = timed_count  # type: ignore[assignment]
    print(f"{'filters':58} {'sort':20} {'p50':>6} {'max':>6} {'count':>6}  total")
    with session_scope() as session:
        tenant = session.execute(text("SELECT id FROM tenants WHERE slug = 'demo'")).scalar()
        assert tenant is not None, "no `demo` workspace in this file"
        bind_tenant(session, tenant)
        for filters, sort in VARIANTS:
            calls: list[float] = []
            counts.clear()
            for _ in range(args.runs):
                started = time.perf_counter()
                page = service.list_customers(session, tenant_id=tenant, sort=sort, limit=50,
                                              filters=CustomerFilters(**filters))
                calls.append((time.perf_counter() - started) * 1000)
            counted = statistics.median(counts) if counts else 0.0
            shown = f"{page.total:,}{'' if page.total_exact else '+'}"
            print(f"{str(filters)[:58]:58} {sort or '':20} {statistics.median(calls):6.1f} "
                  f"{max(calls):6.1f} {counted:6.1f}  {shown}")


if __name__ == "__main__":
    main()
