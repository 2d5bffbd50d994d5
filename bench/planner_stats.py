"""What the planner's statistics are worth, and what keeping them costs: a fresh SQLite file
seeded with the demo (which now refreshes the statistics itself), directory searches timed
with them, without them (sqlite_stat1 dropped: the state `patronage demo` and imports used to
leave), and the cost of a refresh.

    .venv/bin/python bench/planner_stats.py --customers 200000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import p50_p95

QUERIES = ["smi", "son", "ann", "gold", "green", "wood", "mar lee", "oakland"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="patronage-stats-")) / "stats.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    subprocess.run([sys.executable, "-m", "patronage.cli", "migrate"], check=True,
                   capture_output=True)

    from sqlalchemy import text

    from patronage.customers.filters import ListParams
    from patronage.customers.service import list_customers
    from patronage.db import new_session, refresh_statistics
    from patronage.demo.seed import seed

    session = new_session()
    started = time.perf_counter()
    result = seed(session, customers=args.customers)
    print(f"seeded {result.created:,} customers in {time.perf_counter() - started:.1f}s "
          "(statistics refreshed by the seed)")

    def searches(label: str) -> None:
        samples: list[float] = []
        for _ in range(args.rounds):
            for q in QUERIES:
                p = ListParams.model_validate({"q": q})
                t0 = time.perf_counter()
                list_customers(session, tenant_id=result.tenant_id, filters=p.filters(),
                               sort=p.sort, limit=p.limit, cursor=p.cursor)
                samples.append((time.perf_counter() - t0) * 1000)
        p50, p95 = p50_p95(samples)
        print(f"{label:<34} search page p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")

    searches("with statistics")
    session.execute(text("DROP TABLE sqlite_stat1"))
    session.commit()
    session.close()
    session = new_session()  # a new connection plans without them
    searches("without (as the seed used to leave)")
    t0 = time.perf_counter()
    refresh_statistics(session)
    print(f"refresh_statistics: {(time.perf_counter() - t0) * 1000:.0f} ms")
    session.close()
    session = new_session()
    searches("with statistics again")


if __name__ == "__main__":
    main()
