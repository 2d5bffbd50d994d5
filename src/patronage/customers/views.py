"""Admin pages for customers: list, add, overview, edit, delete."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from patronage import web
from patronage.customers import (
    access,
    bulk_edit,
    export,
    fields,
    forms,
    list_page,
    queries,
    registration,
    rules,
    saved,
    schemas,
    service,
    writes,
)
from patronage.customers.filters import ListParams
from patronage.customers.models import PAGE_SIZES
from patronage.customers.schemas import (
    REGISTRATION_FIELDS,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
    Registration,
)
from patronage.customers.tables import COLUMNS
from patronage.deps import IdPath, SessionDep
from patronage.duplicates import kept
from patronage.duplicates.service import dismissed_with
from patronage.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
    from_pydantic,
)
from patronage.events import insights, timeline
from patronage.events.schemas import ActivityIn
from patronage.merges import redirects
from patronage.merges import service as merges
from patronage.settings_lists import service as lists
from patronage.settings_lists.kinds import KINDS
from patronage.storefront import service as storefront
from patronage.tenancy import service as tenancy
from patronage.tenancy.schemas import Principal
from patronage.types import MAX_INT

router = APIRouter()
# field -> the customer types that must have it when added by hand (for the form's markers)
_REQUIRED_FOR: dict[str, list[str]] = {}
for _type, _fields in rules.REQUIRED_BY_HAND.items():
    for _field in _fields:
        _REQUIRED_FOR.setdefault(_field, []).append(_type)


def _choices(session: Session, tenant_id: int) -> dict[str, Any]:
    choices: dict[str, Any] = {slug.replace("-", "_"): lists.list_items(session, kind,
                                                                          tenant_id=tenant_id)
                               for slug, kind in KINDS.items()}
    choices["users"] = tenancy.list_users(session, tenant_id=tenant_id)
    choices["by_id"] = {key: {item.id: item for item in items}
                        for key, items in choices.items()}
    choices["options"] = {key: [(item.id, item.name) for item in items]
                          for key, items in choices.items() if key != "by_id"}
    return choices


@router.get("/customers")
def customer_list(request: Request, member: web.Member, session: SessionDep) -> Response:
    params, errors = list_page.read(request.query_params)
    params = _page_size(session, member, request, params)
    trail = list_page.Trail.read(request.query_params, params)
    canonical = list_page.url(params, cursor=params.cursor) + trail.query()
    view = _current_view(session, member, request.query_params.get("view"))
    if view:
        canonical += ("&" if "?" in canonical else "?") + f"view={view.id}"
    htmx = bool(request.headers.get("HX-Request"))
    if not htmx and any(not v.strip() for _, v in request.query_params.multi_items()):
        return RedirectResponse(canonical, status_code=303)  # a submitted filter form: tidy URL
    choices = _choices(session, member.tenant_id)

    def find(p: ListParams) -> CustomerPage:
        return service.list_customers(session, tenant_id=member.tenant_id,
                                      region=member.tenant_region,
                                      filters=p.filters(member.user_id),
                                      sort=p.sort, limit=p.limit, cursor=p.cursor)
    try:
        page = find(params)
    except ValidationFailed as exc:  # a stale cursor or unknown sort: show page one instead
        errors += list(exc.errors)
        params = params.model_copy(update={"cursor": None, "sort": None})
        trail = list_page.Trail()
        page = find(params)
    chips = list_page.chips(params, choices)
    # Nothing matched: say which filter excluded everything, with what removing it gives.
    relax = []
    for chip in chips if not page.items else ():
        without = find(list_page.read(QueryParams(chip.remove_url.partition("?")[2]))[0]
                       .model_copy(update={"limit": 1}))
        # (a count out of time is a bound, and said so: "more than 1")
        relax.append((chip, (without.total, without.total_exact)))
    columns = [COLUMNS[k] for k in (view.columns if view and view.columns
                                    else saved.get_columns(session, member))]
    template = "customers/_results.html" if htmx else "customers/list.html"
    response = web.render(request, template, {
        "principal": member, "page": page, "params": params, "errors": errors,
        "filter_labels": list_page.LABELS, "months": list_page.MONTHS,
        "risk_levels": list_page.CHOICE_LABELS["risk_level"].items(), "chips": chips,
        "relax": relax, "choices": choices, "columns": columns,
        "all_columns": COLUMNS, "view": view, "sort_links": list_page.sort_links(params),
        "url": list_page.url, "state_query": list_page.url(params).partition("?")[2],
        "trail": trail, "page_sizes": PAGE_SIZES})
    if htmx:
        response.headers["HX-Push-Url"] = canonical
    return response


def _page_size(session: Session, member: Principal, request: Request,
               params: ListParams) -> ListParams:
    """The page size asked for (remembered for the member when they chose one of the
    choices on the page), else the member's, else the default."""
    if "limit" in request.query_params:
        # Kept only when the member chose it on the page (not from a link or a view).
        if request.query_params.get("remember") == "1" and params.limit in PAGE_SIZES:
            saved.set_page_size(session, member, params.limit)
        return params
    remembered = saved.get_page_size(session, member)
    return params.model_copy(update={"limit": remembered}) if remembered else params


@router.get("/customers/export")
def export_view(request: Request, member: web.Member, session: SessionDep) -> Response:
    params, errors = list_page.read(request.query_params)
    if errors:
        raise ValidationFailed.of(errors)
    view = _current_view(session, member, request.query_params.get("view"))
    return export.response(session, member, params,
                           view.columns if view and view.columns else None)


def _current_view(session: Session, member: Principal,
                  raw: str | None) -> schemas.SavedViewOut | None:
    if not raw or not _digits(raw) or len(raw) > 10 or int(raw) > MAX_INT:
        return None
    try:
        return saved.get_view(session, member, int(raw))
    except NotFound:
        return None


def _digits(raw: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, int("²") is not)."""
    return raw.isascii() and raw.isdigit()


def _back(target: str) -> str:
    return target if target.startswith("/customers") else "/customers"


@router.post("/customers/bulk", dependencies=[web.CsrfChecked])
def bulk_change(request: Request, form: web.PostedForm,
                member: web.Member, session: SessionDep) -> Response:
    """Two steps: the first post shows what will change and to how many; the second does it."""
    query = str(form.get("query", ""))
    back = RedirectResponse(f"/customers{'?' + query if query else ''}", status_code=303)
    params, errors = list_page.read(QueryParams(query))
    action = str(form.get("action", ""))
    kind = action.removeprefix("set_")
    selected = [int(i) for i in form.getlist("ids") if _digits(str(i)) and len(str(i)) < 10]
    if form.get("scope") == "selected" and not selected:
        web.flash(request, "Select some customers first, or apply to all that match.", "error")
        return back
    raw = {"action": action, "value": form.get(f"value_{kind}") or None,
           "tags": [t for t in str(form.get("tags", "")).split(",") if t.strip()],
           "ids": selected if form.get("scope") == "selected" else None,
           "expected": form.get("expected") or None}
    try:
        change = forms.parse(schemas.BulkChange, raw, member.tenant_region)
        filters = params.filters(member.user_id)
        if not form.get("confirmed"):
            choices = _choices(session, member.tenant_id)
            names = choices["by_id"].get(list_page.NAMED_BY.get(kind, ""), {})
            value_name = getattr(names.get(change.value), "name", None)
            return web.render(request, "customers/bulk_confirm.html", {
                "principal": member, "change": change, "raw": raw, "query": query,
                "matched": bulk_edit.count(session, member, filters, change.ids),
                "summary": bulk_edit.describe(change, value_name),
                "chips": list_page.chips(params, choices)})
        result = bulk_edit.apply(session, member, filters, change, source="admin")
    except (ValidationFailed, Conflict) as exc:
        web.flash(request, exc.detail, "error")
        return back
    web.flash(request, f"Done: {result.changed:,} of {result.matched:,} customers changed.")
    return back


@router.post("/customers/columns", dependencies=[web.CsrfChecked])
def save_columns(request: Request, form: web.PostedForm,
                 member: web.Member, session: SessionDep) -> Response:
    chosen = [str(c) for c in form.getlist("columns")]
    try:
        if form.get("reset"):
            saved.set_columns(session, member, None)
            web.flash(request, "Columns back to the defaults.")
        else:
            saved.set_columns(session, member, forms.parse(
                schemas.ColumnsIn, {"columns": chosen}, member.tenant_region))
            web.flash(request, "Columns saved.")
    except ValidationFailed as exc:
        web.flash(request, exc.detail, "error")
    return RedirectResponse(_back(str(form.get("next", ""))), status_code=303)


@router.post("/customers/views", dependencies=[web.CsrfChecked])
def save_view(request: Request, form: web.PostedForm,
              member: web.Member, session: SessionDep) -> Response:
    query = str(form.get("query", ""))
    try:
        view = saved.create_view(session, member, forms.parse(schemas.SavedViewIn, {
            "name": form.get("name", ""), "query": query, "shared": "shared" in form,
            "columns": saved.get_columns(session, member)}, member.tenant_region))
    except (ValidationFailed, Conflict) as exc:
        web.flash(request, f"The view was not saved: {exc.detail}", "error")
        return RedirectResponse(f"/customers?{query}", status_code=303)
    web.flash(request, f"Saved view '{view.name}'" + (" for the team." if view.shared else "."))
    return RedirectResponse(f"/customers?{view.query}{'&' if view.query else ''}view={view.id}",
                            status_code=303)


@router.post("/customers/views/{view_id}/delete", dependencies=[web.CsrfChecked])
def delete_view(request: Request, view_id: IdPath, member: web.Member,
                session: SessionDep) -> Response:
    view = saved.get_view(session, member, view_id)
    saved.delete_view(session, member, view_id)
    web.flash(request, f"Deleted view '{view.name}'.")
    return RedirectResponse("/customers", status_code=303)


_LABELS = {f.name: f.label for f in fields.FIELDS}


def _form_page(request: Request, session: Session, member: Principal, *,
               customer: CustomerOut | None, values: dict[str, Any],
               error: ValidationFailed | Conflict | PreconditionFailed | None = None,
               duplicates: list[tuple[CustomerOut, Any]] | None = None,
               version: str | None = None) -> Response:
    """The add/edit form; ``version``: the one the user's edit started from, when the page
    asks about duplicates (saving anyway must still refuse a stale edit)."""
    errors = forms.errors_by_field(list(error.errors)) if error else {}
    return web.render(request, "customers/form.html", {
        "principal": member, "customer": customer, "values": values, "errors": errors,
        "error": error, "choices": _choices(session, member.tenant_id),
        "required_for": _REQUIRED_FOR, "duplicates": duplicates or [],
        "labels": _LABELS,
        "version": version or (customer.version if customer else None)},
        status_code=error.status if error else 200)


def _new_duplicates(session: Session, member: Principal, form: Any, data: Any,
                    customer: CustomerOut | None) -> list[tuple[CustomerOut, Any]]:
    """The customers the form's customer may duplicate that staff have not seen yet (not
    when they chose to save anyway; when editing, not those already listed or dismissed),
    with each one's likeness."""
    if form.get("save_anyway"):
        return []
    values = (customer.model_dump() if customer else {}) | data.model_dump(exclude_unset=True)
    region, tenant_id = member.tenant_region, member.tenant_id
    try:
        found = service.likely_duplicates(session, tenant_id, region, values,
                                          customer.id if customer else None)
    except ValidationFailed:
        return []  # the save reports every problem of the form at once
    if customer:  # only what this change makes alike, not what was so before
        known = {c.id for c in kept.listed(session.connection(), tenant_id, customer.id)}
        known |= dismissed_with(session.connection(), tenant_id, customer.id)
        known |= {c.id for c in service.likely_duplicates(
            session, tenant_id, region, customer.model_dump(), customer.id)}
        found = [c for c in found if c.id not in known]
    records = {c.id: c for c in queries.read_many(session, member.tenant_id,
                                                  [c.id for c in found])}
    return [(records[c.id], c.likeness) for c in found if c.id in records]


@router.get("/customers/new")
def new_customer(request: Request, member: web.Member, session: SessionDep,
                 type: str = "business") -> Response:
    tenancy.require_writer(member)
    return _form_page(request, session, member, customer=None,
                      values={"type": type, "country": "US"})


@router.post("/customers/new", dependencies=[web.CsrfChecked])
def create_customer(request: Request, form: web.PostedForm, member: web.Member,
                    session: SessionDep) -> Response:
    tenancy.require_writer(member)
    values = forms.form_values(form)
    try:
        data = forms.parse(CustomerCreate, values, member.tenant_region)
        if duplicates := _new_duplicates(session, member, form, data, None):
            return _form_page(request, session, member, customer=None, values=values,
                              duplicates=duplicates)
        customer = service.create_customer(session, actor=writes.Actor(member, "admin"),
                                           data=data)  # type: ignore[arg-type]
    except (ValidationFailed, Conflict) as exc:
        return _form_page(request, session, member, customer=None, values=values, error=exc)
    web.flash(request, f"{customer.display_name} was added.")
    return RedirectResponse(f"/customers/{customer.id}", status_code=303)


TIMELINE_FILTERS = {"": "Everything", "order": "Orders", "sample": "Samples",
                    "call,meeting,email,note": "Sales activities", "edit": "Edits"}


def _merged_from(session: Session, tenant_id: int, customer_id: int, request: Request
                 ) -> int | None:
    """The merged customer whose address led here (``?merged_from=``), if it did."""
    said = request.query_params.get("merged_from", "")
    if not (said.isascii() and said.isdigit() and len(said) <= 10):
        return None
    merged = int(said)
    into = redirects.survivor_of(session.connection(), tenant_id, merged)
    return merged if into == customer_id else None


def _overview(request: Request, session: SessionDep, member: web.Member, customer_id: int,
              kind: str = "", cursor: str | None = None,
              activity: dict[str, Any] | None = None,
              errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    customer = service.get_customer(session, tenant_id=member.tenant_id,
                                    customer_id=customer_id)
    kinds = [k for k in kind.split(",") if k] if kind in TIMELINE_FILTERS else None
    alike = kept.listed(session.connection(), member.tenant_id, customer_id)
    records = {c.id: c for c in queries.read_many(session, member.tenant_id,
                                                  [c.id for c in alike[:5]])}
    shown = [(records[c.id], c.likeness) for c in alike[:5] if c.id in records]
    mine, *theirs = access.editable(session, member, [customer, *(r for r, _ in shown)])
    merged_from = _merged_from(session, member.tenant_id, customer_id, request)
    return web.render(request, "customers/detail.html", {
        "principal": member, "customer": customer,
        "alike": [(record, likeness, mine and other) for (record, likeness), other
                  in zip(shown, theirs, strict=True)],
        "alike_more": max(0, len(alike) - 5),
        "insights": insights.insights(session, member.tenant_id, customer_id),
        "timeline": timeline.timeline(session, tenant_id=member.tenant_id,
                                      customer_id=customer_id, kinds=kinds, limit=30,
                                      cursor=cursor),
        "timeline_filters": TIMELINE_FILTERS, "kind": kind if kinds else "",
        "activity": activity or {"kind": "call"}, "activity_errors": errors or {},
        "today": date.today().isoformat(), "now": datetime.now(UTC),
        "may_edit": mine, "merged_from": merged_from,
        "undoable": merges.undoable_into(session, member.tenant_id, customer_id),
        "undo_window": timedelta(days=merges.UNDO_DAYS),
        "choices": _choices(session, member.tenant_id)}, status_code=status_code)


@router.get("/customers/{customer_id}")
def customer_detail(request: Request, customer_id: IdPath, member: web.Member,
                    session: SessionDep, kind: str = "", cursor: str | None = None
                    ) -> Response:
    return _overview(request, session, member, customer_id, kind, cursor)


@router.post("/customers/{customer_id}/activities", dependencies=[web.CsrfChecked])
def log_activity(request: Request, form: web.PostedForm, customer_id: IdPath, member: web.Member,
                 session: SessionDep) -> Response:
    tenancy.require_writer(member)
    values = {k: str(form.get(k) or "").strip() for k in
              ("kind", "occurred_at", "subject", "body", "outcome", "follow_up_on")}
    try:
        data = ActivityIn.model_validate({k: v or None for k, v in values.items()})
        timeline.log_activity(session, member, customer_id, data)
    except ValidationError as exc:
        errors = {e.name or "subject": e.detail for e in from_pydantic(exc.errors())}
        return _overview(request, session, member, customer_id, activity=values,
                         errors=errors, status_code=422)
    except ValidationFailed as exc:
        errors = {e.name or "subject": e.detail for e in exc.errors}
        return _overview(request, session, member, customer_id, activity=values,
                         errors=errors, status_code=422)
    web.flash(request, f"Logged the {data.kind}.")
    return RedirectResponse(f"/customers/{customer_id}#timeline", status_code=303)


@router.get("/customers/{customer_id}/edit")
def edit_customer(request: Request, customer_id: IdPath, member: web.Member,
                  session: SessionDep) -> Response:
    customer = service.get_customer(session, tenant_id=member.tenant_id,
                                    customer_id=customer_id)
    access.require_editor(session, member, customer)
    return _form_page(request, session, member, customer=customer,
                      values=forms.initial(customer))


@router.post("/customers/{customer_id}/edit", dependencies=[web.CsrfChecked])
def update_customer(request: Request, form: web.PostedForm, customer_id: IdPath, member: web.Member,
                    session: SessionDep) -> Response:
    tenancy.require_writer(member)
    values = forms.form_values(form)
    current = service.get_customer(session, tenant_id=member.tenant_id,
                                   customer_id=customer_id)
    version = str(form.get("version", ""))
    try:
        data = forms.parse(CustomerUpdate, values, member.tenant_region)
        if duplicates := _new_duplicates(session, member, form, data, current):
            return _form_page(request, session, member, customer=current, values=values,
                              duplicates=duplicates, version=version)
        customer = service.update_customer(
            session, actor=writes.Actor(member, "admin"), customer_id=customer_id,
            data=data, expected_version=int(version) if _digits(version) else -1)  # type: ignore[arg-type]
    except (ValidationFailed, Conflict, PreconditionFailed) as exc:
        return _form_page(request, session, member, customer=current, values=values,
                          error=exc)
    web.flash(request, f"Changes to {customer.display_name} were saved.")
    return RedirectResponse(f"/customers/{customer.id}", status_code=303)


_CONTACT_WORDS = {"email": "an email", "phone": "a phone number"}


def _register_page(request: Request, session: Session, member: Principal,
                   customer: CustomerOut, values: dict[str, Any],
                   error: ValidationFailed | Conflict | None = None) -> Response:
    methods = storefront.rules(session, member.tenant_id).signup_methods
    errors = forms.errors_by_field(list(error.errors)) if error else {}
    return web.render(request, "customers/register.html", {
        "principal": member, "customer": customer, "values": values, "errors": errors,
        "problem": error.detail if error is not None and not errors else None,
        "contact_fields": registration.CONTACT[methods],
        "contact": " or ".join(_CONTACT_WORDS[f] for f in registration.CONTACT[methods]),
        "labels": {f.name: f.label for f in fields.FIELDS}},
        status_code=error.status if error else 200)


@router.get("/customers/{customer_id}/register")
def register_form(request: Request, customer_id: IdPath, member: web.Member,
                  session: SessionDep) -> Response:
    customer = service.get_customer(session, tenant_id=member.tenant_id,
                                    customer_id=customer_id)
    access.require_editor(session, member, customer)
    return _register_page(request, session, member, customer, forms.initial(customer))


@router.post("/customers/{customer_id}/register", dependencies=[web.CsrfChecked])
def register_customer(request: Request, form: web.PostedForm, customer_id: IdPath,
                      member: web.Member, session: SessionDep) -> Response:
    current = service.get_customer(session, tenant_id=member.tenant_id,
                                   customer_id=customer_id)
    values = {k: str(form.get(k) or "").strip() for k in REGISTRATION_FIELDS}
    try:
        data = forms.parse(Registration, values, member.tenant_region)
        customer = registration.register(session, actor=writes.Actor(member, "admin"),
                                         customer_id=customer_id, data=data)  # type: ignore[arg-type]
    except (ValidationFailed, Conflict) as exc:
        return _register_page(request, session, member, current, values, exc)
    web.flash(request, f"{customer.display_name} is now a registered customer.")
    return RedirectResponse(f"/customers/{customer.id}", status_code=303)


@router.post("/customers/{customer_id}/delete", dependencies=[web.CsrfChecked])
def delete_customer(request: Request, customer_id: IdPath, member: web.Member,
                    session: SessionDep) -> Response:
    tenancy.require_admin(member)
    customer = service.get_customer(session, tenant_id=member.tenant_id,
                                    customer_id=customer_id)
    service.delete_customer(session, actor=writes.Actor(member, "admin"),
                            customer_id=customer_id)
    web.flash(request, f"{customer.display_name} was deleted.")
    return RedirectResponse("/customers", status_code=303)
