"""Demo history: two years of orders, samples and sales activities for a few dozen
businesses, recorded through the events API's own ingestion (so it is real history)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.customers.models import Customer
from patronage.customers.writes import Actor
from patronage.events import derived
from patronage.events.models import Activity
from patronage.events.service import ingest
from patronage.settings_lists.models import LicenseType, Store
from patronage.tenancy.models import User
from patronage.tenancy.service import principal_for

PRODUCTS = {
    "flower": [("FL-OG-35", "OG Kush 3.5g", 28), ("FL-BD-35", "Blue Dream 3.5g", 26),
               ("FL-GSC-7", "GSC 7g", 48)],
    "edibles": [("ED-GUM-10", "Sour Gummies 10pk", 18), ("ED-CHO-5", "Dark Chocolate Bar", 22)],
    "vapes": [("VP-CRT-1", "Live Resin Cart 1g", 40), ("VP-DSP-05", "Disposable 0.5g", 25)],
    "concentrates": [("CN-SHT-1", "Shatter 1g", 35)],
    "tinctures": [("TN-CBD-30", "CBD Tincture 30ml", 45)],
    "topicals": [("TP-BLM-2", "Relief Balm 2oz", 30)],
    "accessories": [("AC-GRD-1", "Grinder", 15), ("AC-PAP-50", "Rolling Papers 50pk", 4)],
}
NOTES = [("call", "Quarterly check-in", "Happy with sell-through; asked about new edibles"),
         ("meeting", "Store visit", "Reset the display; left samples"),
         ("email", "Spring price list", "Sent; follow up next week"),
         ("note", "Buyer changed", "New buyer starts next month")]


def seed_history(session: Session, tenant_id: int, businesses: int = 40,
                 seed: int = 11) -> int:
    """Record history for the first ``businesses`` licensed businesses; returns the events
    recorded. Does nothing if the tenant already has events."""
    if session.scalar(select(Activity.id).where(Activity.tenant_id == tenant_id,
                                                Activity.matched_by.is_not(None)).limit(1)):
        return 0
    admin = session.scalar(select(User).where(User.tenant_id == tenant_id,
                                              User.role == "admin").order_by(User.id))
    principal = principal_for(session, tenant_id=tenant_id, user_id=admin.id) if admin else None
    if principal is None:
        return 0
    categories = {lt.id: lt.product_categories for lt in session.scalars(
        select(LicenseType).where(LicenseType.tenant_id == tenant_id))}
    stores = list(session.scalars(select(Store.code).where(Store.tenant_id == tenant_id)))
    reps = list(session.scalars(select(User.id).where(User.tenant_id == tenant_id)))
    rows = session.execute(select(Customer.id, Customer.license_number, Customer.license_type_id)
                           .where(Customer.tenant_id == tenant_id, Customer.type == "business",
                                  Customer.license_number.is_not(None))
                           .order_by(Customer.id).limit(businesses)).all()
    # These customers' figures will come from their history alone (the seed's synthetic
    # "imported" figures would otherwise be added to it).
    derived.forget(session.connection(), tenant_id, [r[0] for r in rows])
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    events: list[tuple[dict, str]] = []
    activities = []
    for cid, license_number, type_id in rows:
        allowed = [c for c in categories.get(type_id, PRODUCTS) if c in PRODUCTS] or ["flower"]
        who = {"license_number": license_number}
        at = now - timedelta(days=rng.randint(300, 730))
        gap = rng.uniform(7, 35)
        number = 0
        while at < now:
            number += 1
            lines = []
            for _ in range(rng.randint(1, 4)):
                sku, name, price = rng.choice(PRODUCTS[rng.choice(allowed)])
                lines.append({"sku": sku, "name": name, "category": _category_of(sku),
                              "quantity": rng.randint(2, 40),
                              "unit_price": f"{price * rng.uniform(.9, 1.1):.2f}"})
            status = "cancelled" if rng.random() < .05 else "delivered"
            events.append(({"type": "order.placed", "occurred_at": at.isoformat(),
                            "customer": who, "data": {
                                "number": f"D{cid}-{number:04d}", "store": rng.choice(stores)
                                if stores else None, "status": status, "lines": lines}},
                           f"demo-{cid}-order-{number}"))
            if rng.random() < .08:
                events.append(({"type": "sample.requested", "occurred_at": (
                    at + timedelta(days=2)).isoformat(), "customer": who, "data": {
                        "products": [rng.choice(PRODUCTS[rng.choice(allowed)])[1]]}},
                    f"demo-{cid}-sample-{number}"))
            at += timedelta(days=max(1.0, rng.gauss(gap, gap / 3)))
        for kind, subject, outcome in rng.sample(NOTES, rng.randint(1, 3)):
            activities.append(Activity(
                tenant_id=tenant_id, customer_id=cid, kind=kind, subject=subject,
                outcome=outcome, author_id=rng.choice(reps) if reps else None,
                occurred_at=now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8)),
                follow_up_on=(now + timedelta(days=rng.randint(3, 21))).date()
                if kind == "email" else None))
    actor = Actor(principal, "event")
    recorded = 0
    for start in range(0, len(events), 1000):
        outcomes = ingest(session, actor, events[start:start + 1000])
        recorded += sum(o.status == 201 for o in outcomes)
    session.add_all(activities)
    session.commit()
    return recorded


def _category_of(sku: str) -> str:
    return next(c for c, items in PRODUCTS.items() if any(s == sku for s, _, _ in items))
