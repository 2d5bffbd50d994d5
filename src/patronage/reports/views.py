"""Reports → Sales reps: the report for a preset or chosen range, a chart of revenue per
rep, a click through to a rep's customers, and the CSV."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patronage import web
from patronage.deps import SessionDep
from patronage.errors import ValidationFailed
from patronage.reports import service

router = APIRouter()


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _range(request: Request) -> tuple[str, date, date, dict[str, str]]:
    """The range asked for: a preset, or from/to days (checked); else this month."""
    q = request.query_params
    chosen = q.get("range") or ("custom" if q.get("from") or q.get("to") else "this_month")
    errors: dict[str, str] = {}
    if chosen in service.PRESETS:
        return (chosen, *service.preset(chosen), errors)
    start, end = _day(q.get("from")), _day(q.get("to"))
    if q.get("from") and start is None:
        errors["from"] = "Not a date: use the date picker or YYYY-MM-DD."
    if q.get("to") and end is None:
        errors["to"] = "Not a date: use the date picker or YYYY-MM-DD."
    first, last = service.preset("this_month")
    start, end = start or first, end or max(last, start or first)
    try:
        service.check_range(start, end)
    except ValidationFailed as exc:
        errors.update({e.name: e.detail for e in exc.errors})
    if errors:
        return ("this_month", first, last, errors)
    return ("custom", start, end, errors)


@router.get("/reports/sales-reps")
def sales_reps_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    chosen, start, end, errors = _range(request)
    report = service.sales_reps(session, member.tenant_id, start, end)
    peak = max((r.revenue_cents for r in report.rows), default=0)
    return web.render(request, "reports/sales_reps.html", {
        "principal": member, "report": report, "chosen": chosen, "presets": service.PRESETS,
        "errors": errors, "peak": peak, "asked": dict(request.query_params)},
        status_code=422 if errors else 200)


@router.get("/reports/sales-reps/export")
def sales_reps_csv(request: Request, member: web.Member, session: SessionDep) -> Response:
    _chosen, start, end, errors = _range(request)
    if errors:
        raise ValidationFailed.of([])  # the page shows what is wrong; a CSV cannot
    report = service.sales_reps(session, member.tenant_id, start, end)
    name = f"sales-reps-{start.isoformat()}-{end.isoformat()}.csv"
    return Response("\ufeff" + report.csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
