"""Reading one event: its schema (a bad event is answered alone), the customer fields it
sends normalised in the workspace's region, and its identity for idempotency."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from patronage.customers import matching, rules
from patronage.customers.codes import CustomerCode
from patronage.errors import FieldError, ValidationFailed, from_pydantic
from patronage.events.codes import EventCode
from patronage.events.schemas import EVENT_ADAPTER, EVENT_TYPES


@dataclass
class Parsed:
    index: int
    event: Any  # one of the schemas' *Event models
    data: Any
    key: str | None
    fingerprint: str
    values: dict[str, Any]  # the customer fields sent, normalised



def fingerprint(event: Any) -> str:
    """The event's identity for idempotency: its validated content, however it was spelled
    (typed models serialise their fields in a fixed order)."""
    return hashlib.sha256(EVENT_ADAPTER.dump_json(event, exclude_none=True)).hexdigest()


def event_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            errors.append(FieldError("/type", "Unknown or missing event type; one of: "
                                     + ", ".join(EVENT_TYPES) + ".", EventCode.INVALID_EVENT_TYPE))
            continue
        loc = err.get("loc", ())
        if loc and loc[0] in EVENT_TYPES:
            err = {**err, "loc": loc[1:]}
        errors += from_pydantic([err])
    return errors


def parse(index: int, raw: Any, key: str | None, region: str) -> Parsed:
    if not isinstance(raw, dict):
        raise ValidationFailed.field("", "An event is a JSON object.", "invalid_type")
    try:
        event = EVENT_ADAPTER.validate_python({k: v for k, v in raw.items()
                                               if k != "idempotency_key"})
    except ValidationError as exc:
        raise ValidationFailed.of(event_errors(exc)) from exc
    values = event.customer.model_dump(exclude_none=True)
    # A storefront's address is kept as sent: an odd state must not turn an order away.
    errors = rules.normalise(values, region, addresses=False)
    if errors:
        raise ValidationFailed.of(FieldError("/customer" + e.pointer, e.detail, e.code)
                                  for e in errors)
    if not matching.keys(values):
        raise ValidationFailed.field(
            "customer", "The event names nobody: send a license_number, external_id, email "
            "or phone.", CustomerCode.NO_CUSTOMER_KEY)
    return Parsed(index, event, event.data, key, fingerprint(event), values)
