"""What each kind of event checks and does to the batch's state: an order is checked
against the customer's license type and age rules, then joins the spend metrics; a status
change may take an order out of them (or back); samples count; a sign-up registers a
guest; a login is remembered. Each writes its own line of the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from patronage.db import as_utc
from patronage.errors import Conflict, FieldError, ValidationFailed
from patronage.events import derived
from patronage.events.codes import EventCode
from patronage.events.models import CANCELLED_STATUSES
from patronage.events.parsing import Parsed
from patronage.storefront import service as storefront

if TYPE_CHECKING:
    from patronage.events.batch import Batch, BatchCustomer, Pending


def check_order(batch: Batch, c: BatchCustomer | None, p: Parsed) -> None:
    """An order may be recorded: a new number, a known store, lines the license type and
    the age rule allow (every offending line named)."""
    data = p.data
    if data.number in batch.orders:
        raise Conflict(f"Order {data.number} is already recorded (send the same "
                       "Idempotency-Key to repeat an event).",
                       errors=[FieldError("/data/number", "Already recorded.",
                                          EventCode.DUPLICATE_ORDER)])
    if data.store is not None and data.store not in batch.stores:
        raise ValidationFailed.field("data/store", f"No store with code '{data.store}'.",
                                     EventCode.UNKNOWN_STORE)
    values = c.values if c is not None else p.values
    total = order_total(data)
    if total > derived.MAX_ORDER_CENTS:
        raise ValidationFailed.field(
            "data/total" if data.total is not None else "data/lines",
            f"The order totals {total / 100:,.2f}, more than one order may "
            f"({derived.MAX_ORDER_CENTS / 100:,.2f}).", EventCode.ORDER_TOTAL_TOO_LARGE)
    spent = values.get("stored_spent_cents", 0) + values.get("total_spent_cents", 0)
    if data.status.lower() not in CANCELLED_STATUSES and \
            spent + total > derived.MAX_SPENT_CENTS:
        raise ValidationFailed.field(
            "data/total", f"The order would bring the customer's total spent past "
            f"{derived.MAX_SPENT_CENTS / 100:,.2f}.", EventCode.TOTAL_SPENT_TOO_LARGE)
    license_type = batch.license_types.get(values.get("license_type_id"))
    allow_age = values.get("allow_age_limited_products") or False
    errors = []
    for i, line in enumerate(data.lines):
        if license_type is not None and line.category.lower() not in license_type[1]:
            errors.append(FieldError(
                f"/data/lines/{i}/category",
                f"Line {i + 1} ({line.sku}): category '{line.category}' is not allowed "
                f"for license type '{license_type[0]}'.", EventCode.CATEGORY_NOT_ALLOWED))
        if line.age_limited and not allow_age:
            errors.append(FieldError(
                f"/data/lines/{i}/age_limited",
                f"Line {i + 1} ({line.sku}) is age-limited and this customer is not "
                "allowed age-limited products.", EventCode.AGE_LIMITED_NOT_ALLOWED))
    if errors:
        raise ValidationFailed.of(errors)


def order_total(data: Any) -> int:
    """An order's total in cents: as sent, else the sum of its lines."""
    if data.total is not None:
        return derived.cents(data.total)
    return sum(ln.quantity * derived.cents(ln.unit_price) for ln in data.lines)


def known_order(batch: Batch, c: BatchCustomer | None, p: Parsed) -> dict[str, Any]:
    """The order a status change names, which must be this customer's."""
    order = batch.orders.get(p.data.number)
    owner = order and (order["customer"].id if "customer" in order else order["customer_id"])
    if order is None or c is None or owner != c.id:
        raise ValidationFailed.field("data/number",
                                     f"This customer has no order {p.data.number}.",
                                     EventCode.UNKNOWN_ORDER)
    return order


def _warn(activity: dict[str, Any], warning: Any) -> None:
    """Flag the event's timeline entry (and its answer) with what the rules forbid."""
    if warning is not None:
        activity["data"].setdefault("warnings", []).append(warning.model_dump(mode="json"))


def apply(batch: Batch, c: BatchCustomer, p: Parsed, order: dict[str, Any] | None,
          pending: Pending) -> None:
    """What the event does to its customer and the batch; fills in its timeline row."""
    kind, at, data = p.event.type, p.event.occurred_at, p.data
    v = c.values
    c.touched = True
    v["last_activity_at"] = derived.later(v.get("last_activity_at"), at)
    activity = pending.row
    if kind == "order.placed":
        placed = data.placed_at and as_utc(data.placed_at) or at
        lines = [{"sku": ln.sku, "name": ln.name, "category": ln.category,
                  "quantity": ln.quantity, "unit_price_cents": derived.cents(ln.unit_price),
                  "age_limited": ln.age_limited} for ln in data.lines]
        total = order_total(data)
        cancelled = data.status.lower() in CANCELLED_STATUSES
        store_id = batch.stores.get(data.store) if data.store else None
        row = {"tenant_id": batch.tenant, "customer": c, "number": data.number,
               "store_id": store_id, "status": data.status, "cancelled": cancelled,
               "placed_at": placed, "total_cents": total,
               "item_count": sum(ln["quantity"] for ln in lines),
               "sales_rep_id": v.get("sales_rep_id")}
        c.reported = True
        batch.orders[data.number] = row
        batch.new_orders.append((row, lines))
        if not cancelled:
            derived.add_order(v, total, placed)
        if store_id is not None:
            c.stores.add(store_id)
        activity.update(subject=f"Order {data.number}",
                        data={"number": data.number, "total_cents": total,
                              "status": data.status, "store": data.store,
                              "items": row["item_count"],
                              "placed_at": placed.isoformat()})
        if data.device is not None:
            activity["data"]["device"] = data.device
        if v["type"] == "guest":
            _warn(activity, storefront.guest_order_warning(batch.rules, data.device,
                                                           data.number))
    elif kind == "order.status_changed":
        assert order is not None
        was, now_cancelled = order["cancelled"], data.status.lower() in CANCELLED_STATUSES
        order["status"], order["cancelled"] = data.status, now_cancelled
        if "id" in order:  # stored earlier: update it, and recount if it left or came back
            batch.status_updates[order["id"]] = {"status": data.status,
                                                 "cancelled": now_cancelled}
        if was != now_cancelled:
            c.recount = c.reported = True
        activity.update(subject=f"Order {data.number}: {data.status}",
                        data={"number": data.number, "status": data.status})
    elif kind == "sample.requested":
        batch.samples.append({"tenant_id": batch.tenant, "customer": c, "requested_at": at,
                              "products": list(data.products),
                              "sales_rep_id": v.get("sales_rep_id")})
        c.reported = True
        v["sample_count"] = v.get("sample_count", 0) + 1
        activity.update(subject="Sample request", body=", ".join(data.products),
                        data={"products": list(data.products)})
    elif kind == "interest.requested":
        activity.update(subject="Interest request", body=data.note)
    elif kind == "message.sent":
        activity.update(subject=data.subject or "Message", body=data.body)
    elif kind == "shopper.signed_up":
        if v["type"] == "guest":
            c.old.setdefault("type", "guest")
            v["type"] = "registered"
            c.changed.add("type")
        if v["type"] == "registered" and v.get("registered_at") is None:
            c.old.setdefault("registered_at", None)
            v["registered_at"] = at
            c.changed.add("registered_at")
        activity.update(subject=f"Signed up by {data.method}",
                        data={"method": data.method})
        _warn(activity, storefront.signup_warning(batch.rules, data.method))
    elif kind == "shopper.logged_in":
        v["last_login_at"] = derived.later(v.get("last_login_at"), at)
        activity.update(subject="Logged in")
