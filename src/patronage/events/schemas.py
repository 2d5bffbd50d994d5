"""What the sales channel sends: the event envelope, each type's data, and the answers."""

from __future__ import annotations

import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from patronage.customers.schemas import Tag, _CustomerFields
from patronage.db import as_utc
from patronage.storefront.schemas import Device, EventWarning
from patronage.types import Instant, PlainText

EventType = Literal["order.placed", "order.status_changed", "sample.requested",
                    "interest.requested", "message.sent", "shopper.signed_up",
                    "shopper.logged_in"]
MatchedBy = Literal["license_number", "external_id", "email", "phone", "created"]


def _text(min_length: int, max_length: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length,
                                            max_length=max_length), PlainText]


Money = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), max_digits=10,
                                 decimal_places=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EventCustomer(_CustomerFields):
    """Who the event is about: any customer field; at least one of license_number,
    external_id, email or phone names them. Fields the customer lacks are filled in."""

    tags: list[Tag] | None = Field(default=None, max_length=50)
    tax_exempt: bool | None = None
    subscription: bool | None = None
    allow_age_limited_products: bool | None = None


class OrderLineIn(_Strict):
    sku: _text(1, 64)
    name: _text(1, 200)
    category: _text(1, 100)
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price: Money
    age_limited: bool = False


class OrderPlaced(_Strict):
    number: _text(1, 64)
    store: _text(1, 20) | None = Field(None, description="The store's code (Settings).")
    status: _text(1, 30) = "placed"
    placed_at: Instant | None = Field(None, description="Defaults to occurred_at.")
    total: Money | None = Field(None, description="Defaults to the sum of the lines.")
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)
    device: Device | None = Field(None, description="Where the order was placed; a guest's "
                                  "order on a device where guest checkout is off is recorded "
                                  "with a warning.")


class OrderStatusChanged(_Strict):
    number: _text(1, 64)
    status: _text(1, 30)


class SampleRequested(_Strict):
    products: list[_text(1, 200)] = Field(min_length=1, max_length=100)


class InterestRequested(_Strict):
    note: _text(1, 10_000)


class MessageSent(_Strict):
    subject: _text(0, 200) = ""
    body: _text(1, 10_000)


class ShopperSignedUp(_Strict):
    method: Literal["email", "phone"]


class ShopperLoggedIn(_Strict):
    pass


class _Envelope(_Strict):
    occurred_at: Instant
    customer: EventCustomer

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return as_utc(value)  # times without an offset are taken as UTC


class OrderPlacedEvent(_Envelope):
    type: Literal["order.placed"]
    data: OrderPlaced


class OrderStatusChangedEvent(_Envelope):
    type: Literal["order.status_changed"]
    data: OrderStatusChanged


class SampleRequestedEvent(_Envelope):
    type: Literal["sample.requested"]
    data: SampleRequested


class InterestRequestedEvent(_Envelope):
    type: Literal["interest.requested"]
    data: InterestRequested


class MessageSentEvent(_Envelope):
    type: Literal["message.sent"]
    data: MessageSent


class ShopperSignedUpEvent(_Envelope):
    type: Literal["shopper.signed_up"]
    data: ShopperSignedUp


class ShopperLoggedInEvent(_Envelope):
    type: Literal["shopper.logged_in"]
    data: ShopperLoggedIn = Field(default_factory=ShopperLoggedIn)


# One event: the envelope, whose `type` decides the shape of `data` (validated in one pass).
EventIn = Annotated[
    OrderPlacedEvent | OrderStatusChangedEvent | SampleRequestedEvent | InterestRequestedEvent
    | MessageSentEvent | ShopperSignedUpEvent | ShopperLoggedInEvent,
    Field(discriminator="type")]
EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(EventIn)
EVENT_TYPES = tuple(typing.get_args(t.model_fields["type"].annotation)[0]
                    for t in typing.get_args(typing.get_args(EventIn)[0]))


class EventBatch(_Strict):
    events: list[dict[str, Any]] = Field(min_length=1, max_length=1000,
                                         description="Up to 1,000 events, each as for "
                                                     "POST /events plus idempotency_key.")


class EventResult(BaseModel):
    event_id: int
    customer_id: int
    matched_by: MatchedBy
    warnings: list[EventWarning] = Field(
        default_factory=list, description="Recorded, but the storefront let through what "
        "the workspace's rules forbid (Settings → Storefront).")


QUEUED_DETAIL = ("The database is busy (an import is finishing): the event is kept and will "
                 "be recorded in order as soon as it is free. Send it again with the same "
                 "Idempotency-Key to learn its result.")


class QueuedEvent(BaseModel):
    queue_id: int = Field(description="Its place in the events inbox.")
    status: Literal["queued"] = "queued"
    detail: str = QUEUED_DETAIL


class BatchOutcome(BaseModel):
    index: int
    status: int = Field(description="201 recorded, 200 a repeat of a recorded key, 202 kept "
                                    "to be recorded in order (queue_id), else the problem's "
                                    "status.")
    result: EventResult | None = None
    queue_id: int | None = None
    problem: dict[str, Any] | None = Field(None, description="RFC 9457 problem details.")


class BatchResult(BaseModel):
    recorded: int
    repeated: int
    queued: int
    failed: int
    results: list[BatchOutcome]


# -- the timeline (events.timeline) -------------------------------------------------------
LoggedKind = Literal["call", "meeting", "email", "note"]


def _activity_text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length),
                     PlainText] | None


class ActivityIn(BaseModel):
    """A sales activity a member logs: a call, meeting, email or note."""

    model_config = ConfigDict(extra="forbid")

    kind: LoggedKind
    occurred_at: Instant | None = Field(None, description="Defaults to now.")
    subject: _activity_text(200) = None
    body: _activity_text(10_000) = None
    outcome: _activity_text(200) = None
    follow_up_on: date | None = None


class TimelineEntry(BaseModel):
    id: str = Field(description="`a<id>` for an activity, `e<id>` for an edit.")
    kind: str
    occurred_at: datetime
    source: Literal["event", "staff", "edit"]
    subject: str | None = None
    body: str | None = None
    outcome: str | None = None
    follow_up_on: date | None = None
    author: str | None = None
    data: dict[str, Any] | None = None
    field: str | None = None
    old: Any = None
    new: Any = None


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    next_cursor: str | None
