"""Events API: one event, or a batch of up to 1,000 answered one result per event."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic_core import to_json

from patronage.customers.writes import Actor
from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.errors import MERGED_RESPONSES
from patronage.events import service, timeline
from patronage.events.schemas import (
    EVENT_TYPES,
    ActivityIn,
    BatchResult,
    EventBatch,
    EventResult,
    QueuedEvent,
    TimelineEntry,
    TimelinePage,
)
from patronage.tenancy.service import require_writer

router = APIRouter(prefix="/events", tags=["events"])
EXAMPLES = {"order": {"summary": "An order from a licensed retailer", "value": {
    "type": "order.placed", "occurred_at": "2026-11-20T15:04:05Z",
    "customer": {"license_number": "C10-0000123-LIC", "company_name": "Green Leaf Market"},
    "data": {"number": "SO-1001", "store": "downtown", "total": "118.00", "lines": [
        {"sku": "FL-OG-35", "name": "OG Kush 3.5g", "category": "flower", "quantity": 4,
         "unit_price": "29.50"}]}}},
    "signup": {"summary": "A shopper signs up", "value": {
        "type": "shopper.signed_up", "occurred_at": "2026-11-20T15:04:05Z",
        "customer": {"email": "ana@example.com", "first_name": "Ana"},
        "data": {"method": "email"}}}}
timeline_router = APIRouter(prefix="/customers", tags=["timeline"], responses=MERGED_RESPONSES)

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="The same key within a tenant records the event once and answers the "
                "original result again.")]


@router.post("", response_model=EventResult, status_code=status.HTTP_201_CREATED,
             summary="Record one event (and create or enrich its customer)",
             responses={200: {"model": EventResult,
                              "description": "A repeat of an Idempotency-Key already recorded"},
                        202: {"model": QueuedEvent,
                              "description": "Kept while the database is busy (an import "
                                             "finishing); recorded in order as soon as it "
                                             "is free"}})
def post_event(event: Annotated[dict[str, Any], Body(
                   description="`{type, occurred_at, customer, data}`; type is one of "
                   + ", ".join(EVENT_TYPES) + " and decides the shape of data.",
                   openapi_examples=EXAMPLES)],
               principal: ApiPrincipal, session: SessionDep, response: Response,
               idempotency_key: IdempotencyKey = None) -> Any:
    require_writer(principal)
    # Validated by the same code as a batch item, so both answer with the same pointers.
    (outcome,) = service.record(session, Actor(principal, "event"), [(event, idempotency_key)])
    if outcome.problem is not None:
        raise outcome.problem
    if outcome.queued is not None:
        return JSONResponse(QueuedEvent(queue_id=outcome.queued).model_dump(), status_code=202)
    response.status_code = outcome.status
    assert outcome.result is not None
    return outcome.result


@router.post(":batch", response_model=BatchResult,
             summary="Record up to 1,000 events; one result per event, in order")
def post_batch(batch: Annotated[EventBatch, Body()], principal: ApiPrincipal,
               session: SessionDep, request: Request) -> Response:
    require_writer(principal)
    items: list[tuple[Any, str | None]] = []
    for raw in batch.events:
        key = raw.get("idempotency_key")
        items.append((raw, key if isinstance(key, str) and key.strip() else None))
    outcomes = service.record(session, Actor(principal, "event"), items)
    results = [{"index": i, "status": o.status,
                "result": o.result.model_dump() if o.result else None,
                "queue_id": o.queued,
                "problem": o.problem.problem(f"{request.url.path}#/events/{i}")
                if o.problem else None} for i, o in enumerate(outcomes)]
    body = {"recorded": sum(o.status == 201 for o in outcomes),
            "repeated": sum(o.status == 200 for o in outcomes),
            "queued": sum(o.status == 202 for o in outcomes),
            "failed": sum(o.status >= 400 for o in outcomes), "results": results}
    # Serialised once (the shape is BatchResult's, documented as the response model).
    return Response(to_json(body), media_type="application/json")


@timeline_router.get("/{customer_id}/activities", response_model=TimelinePage,
                     summary="The customer's timeline, newest first")
def get_timeline(customer_id: IdPath, principal: ApiPrincipal, session: SessionDep,
                 kind: Annotated[str | None, Query(
                     max_length=200, description="Comma-separated kinds: "
                     + ", ".join(timeline.TIMELINE_KINDS))] = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 cursor: Annotated[str | None, Query(max_length=500)] = None
                 ) -> TimelinePage:
    kinds = [k.strip() for k in kind.split(",") if k.strip()] if kind else None
    return timeline.timeline(session, tenant_id=principal.tenant_id, customer_id=customer_id,
                             kinds=kinds, limit=limit, cursor=cursor)


@timeline_router.post("/{customer_id}/activities", response_model=TimelineEntry,
                      status_code=status.HTTP_201_CREATED,
                      summary="Log a call, meeting, email or note")
def log_activity(customer_id: IdPath, data: ActivityIn, principal: ApiPrincipal,
                 session: SessionDep) -> TimelineEntry:
    require_writer(principal)
    return timeline.log_activity(session, principal, customer_id, data)
