"""Reports API: the sales report per rep."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from patronage.deps import ApiPrincipal, SessionDep
from patronage.reports import service
from patronage.reports.schemas import SalesRepReport

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/sales-reps", response_model=SalesRepReport, response_model_by_alias=True,
            summary="Sales per rep for a range of UTC days (default: this month)")
def sales_reps(principal: ApiPrincipal, session: SessionDep,
               start: Annotated[date | None, Query(alias="from", description=
                                "First day (YYYY-MM-DD), included.")] = None,
               end: Annotated[date | None, Query(alias="to", description=
                              "Last day, included (default today).")] = None) -> Any:
    first, last = service.preset("this_month")
    return service.sales_reps(session, principal.tenant_id, start or first,
                              end or (last if start is None or start <= last else start)).out()
