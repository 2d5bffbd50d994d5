"""Registering a guest: the customer becomes registered with what registration needs (a
name, an address, and the email or phone the workspace's sign-up strategy asks for),
keeping its id, orders, samples and timeline. The change goes through the one writer
(``registered_at`` is stamped there); the timeline says who registered them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from patronage.customers import access, rules, writes
from patronage.customers.codes import CustomerCode
from patronage.customers.schemas import REGISTRATION_FIELDS as FIELDS
from patronage.customers.schemas import CustomerOut, Registration
from patronage.customers.service import _load, commit_by_hand
from patronage.db import begin_writing
from patronage.errors import Conflict, FieldError, ValidationFailed
from patronage.events.models import Activity
from patronage.storefront import service as storefront

# What every registration needs, besides the contact the sign-up strategy asks for.
NEEDED = ("first_name", "last_name", "address1", "city", "state", "zip")
CONTACT = {"email": ("email",), "phone": ("phone",), "both": ("email", "phone")}


def missing(values: dict[str, Any], methods: str) -> list[FieldError]:
    """What a registration lacks, each named."""
    errors = [FieldError(f"/{name}", "Required to register a customer.",
                         CustomerCode.REQUIRED) for name in NEEDED if not values.get(name)]
    contact = CONTACT[methods]
    if not any(values.get(c) for c in contact):
        said = " or ".join(contact)
        errors += [FieldError(f"/{c}", f"Required to register a customer ({said}, as this "
                              "workspace's sign-up asks).", CustomerCode.REQUIRED)
                   for c in contact]
    return errors


def register(session: Session, *, actor: writes.Actor, customer_id: int,
             data: Registration) -> CustomerOut:
    principal = actor.principal
    customer = _load(session, actor.tenant_id, customer_id)
    access.require_editor(session, principal, customer)
    if customer.type != "guest":
        raise Conflict(f"Customer #{customer.id} is already {customer.type}: only a guest "
                       "can be registered.", extra={"type": customer.type})
    given = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    errors = rules.normalise(given, principal.tenant_region, stored_country=customer.country)
    current = {f: getattr(customer, f) for f in (*writes.fields.EDITABLE, "version", "id")
               if f != "tags"}
    merged = {**current, **given}
    errors += missing(merged, storefront.rules(session, actor.tenant_id).signup_methods)
    if errors:
        raise ValidationFailed.of(errors)
    changes = {k: v for k, v in given.items() if k in FIELDS and current.get(k) != v}
    changes["type"] = "registered"
    begin_writing(session)
    writer = writes.Writer(session, actor)
    try:
        writer.update([(current, changes)], check_version=True)
    except writes.Stale as exc:
        session.rollback()
        raise Conflict("This customer was changed by someone else just now. Reload and "
                       "register them again.") from exc
    session.add(Activity(tenant_id=actor.tenant_id, customer_id=customer.id, kind="signup",
                         occurred_at=writer.now, author_id=principal.user_id,
                         subject=f"Registered by {principal.name or principal.email}",
                         data={"method": "staff", "source": actor.source}))
    return commit_by_hand(session, actor.tenant_id, customer.id)
