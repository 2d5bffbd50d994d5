"""REST endpoints for customers: thin wrappers over the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import StreamingResponse

from patronage.customers import (
    bulk_edit,
    export,
    registration,
    saved,
    schemas,
    service,
    writes,
)
from patronage.customers.filters import CustomerFilters, ExportParams, ListParams
from patronage.customers.schemas import (
    AuditPage,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerSaved,
    CustomerUpdate,
    Registration,
)
from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.errors import MERGED_RESPONSES
from patronage.tenancy.service import require_admin, require_writer

router = APIRouter(prefix="/customers", tags=["customers"], responses=MERGED_RESPONSES)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1-500).")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


@router.get("", response_model=CustomerPage,
            summary="Search, filter, sort and page through customers")
def list_customers(principal: ApiPrincipal, session: SessionDep,
                   params: Annotated[ListParams, Query()]) -> CustomerPage:
    return service.list_customers(session, tenant_id=principal.tenant_id,
                                  region=principal.tenant_region,
                                  filters=params.filters(principal.user_id),
                                  sort=params.sort, limit=params.limit, cursor=params.cursor)


@router.get("/export", summary="The current view as CSV (every page, streamed)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}},
                             "description": "CSV; formula-like cells are neutralised"}})
def export_customers(principal: ApiPrincipal, session: SessionDep,
                     params: Annotated[ExportParams, Query()]) -> StreamingResponse:
    return export.response(session, principal, params, params.columns)


@router.post(":bulk", response_model=schemas.BulkResult,
             summary="Change every customer the filters match (or the ids given)")
def bulk_change(change: schemas.BulkChange, principal: ApiPrincipal, session: SessionDep,
                filters: Annotated[CustomerFilters, Query()]) -> schemas.BulkResult:
    return bulk_edit.apply(session, principal, filters.resolved(principal.user_id), change)


@router.post("", response_model=CustomerSaved, status_code=status.HTTP_201_CREATED,
             summary="Add a customer (with the customers it may duplicate)")
def create_customer(data: CustomerCreate, principal: ApiPrincipal, session: SessionDep,
                    response: Response) -> CustomerSaved:
    require_writer(principal)
    customer = service.create_customer(session, actor=writes.Actor(principal, "api"),
                                       data=data)
    response.headers["ETag"] = service.etag(customer.version)
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    return customer


@router.get("/{customer_id}", response_model=CustomerOut, summary="Read a customer")
def get_customer(customer_id: IdPath, principal: ApiPrincipal, session: SessionDep,
                 response: Response) -> CustomerOut:
    customer = service.get_customer(session, tenant_id=principal.tenant_id,
                                    customer_id=customer_id)
    response.headers["ETag"] = service.etag(customer.version)
    return customer


@router.patch("/{customer_id}", response_model=CustomerSaved,
              summary="Change some fields of a customer (needs If-Match; with the customers "
                      "it may duplicate)")
def update_customer(customer_id: IdPath, data: CustomerUpdate, principal: ApiPrincipal,
                    session: SessionDep, response: Response,
                    if_match: Annotated[str | None, Header()] = None) -> CustomerSaved:
    require_writer(principal)
    expected = service.parse_if_match(if_match)
    customer = service.update_customer(session, actor=writes.Actor(principal, "api"),
                                       customer_id=customer_id, data=data,
                                       expected_version=expected)
    response.headers["ETag"] = service.etag(customer.version)
    return customer


@router.post("/{customer_id}/register", response_model=CustomerOut,
             summary="Register a guest: they become a registered customer, keeping their "
                     "id, orders and history")
def register_customer(customer_id: IdPath, data: Registration, principal: ApiPrincipal,
                      session: SessionDep, response: Response) -> CustomerOut:
    customer = registration.register(session, actor=writes.Actor(principal, "api"),
                                     customer_id=customer_id, data=data)
    response.headers["ETag"] = service.etag(customer.version)
    return customer


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a customer (admins; If-Match optional)")
def delete_customer(customer_id: IdPath, principal: ApiPrincipal, session: SessionDep,
                    if_match: Annotated[str | None, Header()] = None) -> Response:
    require_admin(principal)
    expected = service.parse_if_match(if_match) if if_match is not None else None
    service.delete_customer(session, actor=writes.Actor(principal, "api"),
                            customer_id=customer_id, expected_version=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{customer_id}/history", response_model=AuditPage,
            summary="The audit trail of a customer, newest first")
def customer_history(customer_id: IdPath, principal: ApiPrincipal, session: SessionDep,
                     limit: Limit = 50, cursor: Cursor = None) -> AuditPage:
    return service.customer_history(session, tenant_id=principal.tenant_id,
                                    customer_id=customer_id, limit=limit, cursor=cursor)


views_router = APIRouter(tags=["saved views and columns"])


@views_router.get("/me/columns", response_model=schemas.ColumnsOut,
                  summary="The directory columns this member shows, in order")
def get_columns(principal: ApiPrincipal, session: SessionDep) -> schemas.ColumnsOut:
    return schemas.ColumnsOut(columns=saved.get_columns(session, principal))


@views_router.put("/me/columns", response_model=schemas.ColumnsOut,
                  summary="Choose and order the directory columns")
def put_columns(data: schemas.ColumnsIn, principal: ApiPrincipal,
                session: SessionDep) -> schemas.ColumnsOut:
    return schemas.ColumnsOut(columns=saved.set_columns(session, principal, data))


@views_router.get("/views", response_model=list[schemas.SavedViewOut],
                  summary="My saved views and the team's shared ones")
def list_views(principal: ApiPrincipal, session: SessionDep) -> list[schemas.SavedViewOut]:
    return saved.list_views(session, principal)


@views_router.post("/views", response_model=schemas.SavedViewOut, status_code=201,
                   summary="Save a view: filters and sort (a query string) and columns")
def create_view(data: schemas.SavedViewIn, principal: ApiPrincipal,
                session: SessionDep) -> schemas.SavedViewOut:
    return saved.create_view(session, principal, data)


@views_router.get("/views/{view_id}", response_model=schemas.SavedViewOut,
                  summary="Read a saved view")
def get_view(view_id: IdPath, principal: ApiPrincipal,
             session: SessionDep) -> schemas.SavedViewOut:
    return saved.get_view(session, principal, view_id)


@views_router.patch("/views/{view_id}", response_model=schemas.SavedViewOut,
                    summary="Rename or (un)share a view (its owner or an admin)")
def update_view(view_id: IdPath, data: schemas.SavedViewUpdate, principal: ApiPrincipal,
                session: SessionDep) -> schemas.SavedViewOut:
    return saved.update_view(session, principal, view_id, data)


@views_router.delete("/views/{view_id}", status_code=204,
                     summary="Delete a view (its owner or an admin)")
def delete_view(view_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> Response:
    saved.delete_view(session, principal, view_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
