"""The sales report for a range of days: presets, checks on the range, rows as the API and
the admin page show them, and the CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from patronage.errors import FieldError, ValidationFailed
from patronage.reports import queries
from patronage.reports.codes import ReportCode
from patronage.reports.schemas import SalesRepReport, SalesRepRow

PRESETS = {"this_month": "This month", "last_month": "Last month",
           "this_quarter": "This quarter", "this_year": "This year"}
EARLIEST = date(1970, 1, 1)


def today() -> date:
    return datetime.now(UTC).date()


def preset(name: str, on: date | None = None) -> tuple[date, date]:
    """The days a preset names, as of ``on`` (today, UTC)."""
    on = on or today()
    if name == "last_month":
        end = on.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "this_quarter":
        return date(on.year, 3 * ((on.month - 1) // 3) + 1, 1), on
    if name == "this_year":
        return date(on.year, 1, 1), on
    return on.replace(day=1), on


def check_range(start: date, end: date) -> None:
    errors = []
    if start < EARLIEST:
        errors.append(FieldError("/from", f"Choose a day from {EARLIEST.isoformat()} on.",
                                 ReportCode.INVALID_RANGE))
    if end < start:
        errors.append(FieldError("/to", "The range ends before it starts.",
                                 ReportCode.INVALID_RANGE))
    if errors:
        raise ValidationFailed.of(errors)


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _row(f: queries.RepFigures) -> SalesRepRow:
    return SalesRepRow(sales_rep_id=f.rep if f.rep > 0 else None, name=f.name,
                       customers=f.customers, active_customers=f.active_customers,
                       orders=f.orders, revenue=_money(f.revenue_cents),
                       average_order=_money(f.average_order_cents),
                       new_customers=f.new_customers, samples=f.samples)


@dataclass
class Report:
    start: date
    end: date
    rows: list[queries.RepFigures]
    total: queries.RepFigures

    def out(self) -> SalesRepReport:
        return SalesRepReport(from_=self.start, to=self.end,
                              rows=[_row(r) for r in self.rows], total=_row(self.total))

    def csv(self) -> str:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(["Sales rep", "Customers", "Active customers", "Orders", "Revenue",
                      "Average order", "New customers", "Samples"])
        for f in [*self.rows, self.total]:
            row = _row(f)
            out.writerow([row.name, row.customers, row.active_customers, row.orders,
                          row.revenue, row.average_order, row.new_customers, row.samples])
        return buffer.getvalue()


def sales_reps(session: Session, tenant_id: int, start: date, end: date) -> Report:
    check_range(start, end)
    rows = queries.sales_reps(session.connection(), tenant_id, start, end)
    session.commit()  # a read: the connection goes back at once
    return Report(start, end, rows, queries.total(rows))

