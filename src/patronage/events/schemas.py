"""What the sales channel sends: the event envelope, each type's data, and the answers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from patronage.customers.schemas import Tag, _CustomerFields
from patronage.types import PlainText

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
    placed_at: datetime | None = Field(None, description="Defaults to occurred_at.")
    total: Money | None = Field(None, description="Defaults to the sum of the lines.")
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)


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


DATA_MODELS: dict[str, type[BaseModel]] = {
    "order.placed": OrderPlaced, "order.status_changed": OrderStatusChanged,
    "sample.requested": SampleRequested, "interest.requested": InterestRequested,
    "message.sent": MessageSent, "shopper.signed_up": ShopperSignedUp,
    "shopper.logged_in": ShopperLoggedIn,
}


def _utc(value: datetime) -> datetime:
    """Times without an offset are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EventIn(_Strict):
    type: EventType
    occurred_at: datetime
    customer: EventCustomer
    data: dict[str, Any] = Field(default_factory=dict,
                                 description="The type's fields (see each type's schema).")

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return _utc(value)


class BatchItem(EventIn):
    idempotency_key: _text(1, 200) | None = None


class EventBatch(_Strict):
    events: list[dict[str, Any]] = Field(min_length=1, max_length=1000,
                                         description="Up to 1,000 events, each as for "
                                                     "POST /events plus idempotency_key.")


class EventResult(BaseModel):
    event_id: int
    customer_id: int
    matched_by: MatchedBy


class BatchOutcome(BaseModel):
    index: int
    status: int = Field(description="201 recorded, 200 a repeat of a recorded key, else the "
                                    "problem's status.")
    result: EventResult | None = None
    problem: dict[str, Any] | None = Field(None, description="RFC 9457 problem details.")


class BatchResult(BaseModel):
    recorded: int
    repeated: int
    failed: int
    results: list[BatchOutcome]
