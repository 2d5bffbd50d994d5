"""The statements one directory page runs, for the query-plan tests of both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from patronage.customers import service
from patronage.customers.filters import CustomerFilters
from patronage.db import get_engine


def page_statements(session: Session, tenant_id: int, sort: str | None,
                    filters: dict[str, Any]) -> list[tuple[str, Any]]:
    """The SELECTs on customers that listing one page runs, with their parameters."""
    captured: list[tuple[str, Any]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "customers" in statement:
            captured.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", grab)
    try:
        service.list_customers(session, tenant_id=tenant_id, sort=sort, limit=50,
                               filters=CustomerFilters(**filters))
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return captured
