"""Idempotent demo workspace: lists, team, and N synthetic customers loaded in bulk."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patronage.customers.models import Customer, CustomerStore
from patronage.customers.search_index import deferred_search_index
from patronage.customers.writes import Actor, Writer
from patronage.db import begin_writing, bind_tenant, bulk_insert, refresh_statistics
from patronage.demo import data
from patronage.demo.history import seed_history
from patronage.settings_lists.kinds import KINDS
from patronage.settings_lists.models import LicenseType, PaymentTerm, Status, Store
from patronage.settings_lists.service import create_item
from patronage.tenancy import service as tenancy
from patronage.tenancy.models import Tenant, User

DEMO_SLUG = "demo"
DEMO_ADMIN = "admin@demo.example"
CHUNK = 20_000


@dataclass
class DemoResult:
    tenant_id: int
    admin_email: str
    admin_password: str | None  # None when the admin already existed
    created: int
    total: int


@dataclass(frozen=True)
class _Refs:
    statuses: list[int]
    terms: list[int]
    license_types: list[int]
    stores: list[int]
    reps: list[int]


def _ensure_workspace(session: Session, slug: str) -> tuple[int, str | None]:
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        tenant_id = tenancy.create_tenant(session, slug=slug, name="Demo Seller").id
    bind_tenant(session, tenant_id)  # the workspace's rows are written as its own
    password = None
    if session.scalar(select(User.id).where(User.tenant_id == tenant_id,
                                            User.email == DEMO_ADMIN)) is None:
        password = tenancy.generate_password()
        tenancy.create_user(session, tenant_id=tenant_id, email=DEMO_ADMIN, role="admin",
                            password=password, name="Alex Admin")
    for name, email in data.SALES_REPS:
        if session.scalar(select(User.id).where(User.tenant_id == tenant_id,
                                                User.email == email)) is None:
            tenancy.create_user(session, tenant_id=tenant_id, email=email, role="sales_rep",
                                password=None, name=name)
    _ensure_lists(session, tenant_id)
    return tenant_id, password


def _ensure_lists(session: Session, tenant_id: int) -> None:
    wanted: dict[str, list[dict[str, Any]]] = {
        "statuses": [{"name": n, "colour": c, "position": i}
                     for i, (n, c) in enumerate(data.STATUSES)],
        "payment-terms": [{"name": n, "days": d, "position": i}
                          for i, (n, d) in enumerate(data.PAYMENT_TERMS)],
        "license-types": [{"name": n, "product_categories": cats, "position": i}
                          for i, (n, cats) in enumerate(data.LICENSE_TYPES)],
        "stores": [{"name": n, "code": c, "position": i}
                   for i, (n, c) in enumerate(data.STORES)],
    }
    for slug, items in wanted.items():
        kind = KINDS[slug]
        model: Any = kind.model
        have = set(session.scalars(select(model.name).where(model.tenant_id == tenant_id)))
        for item in items:
            if item["name"] not in have:
                create_item(session, kind, tenant_id=tenant_id,
                            data=kind.create.model_validate(item))


def _refs(session: Session, tenant_id: int) -> _Refs:
    def ids(model: Any) -> list[int]:
        return list(session.scalars(select(model.id).where(model.tenant_id == tenant_id)
                                    .order_by(model.position)))
    reps = list(session.scalars(select(User.id).where(User.tenant_id == tenant_id,
                                                      User.role == "sales_rep")))
    return _Refs(ids(Status), ids(PaymentTerm), ids(LicenseType), ids(Store), reps)


def _insert_batch(writer: Writer, batch: list) -> None:
    ids = writer.create([{**row, "tags": tags} for row, tags in batch])
    store_rows = [{"tenant_id": writer.tenant, "customer_id": cid,
                   "store_id": row["master_store_id"]}
                  for (row, _tags), cid in zip(batch, ids, strict=True)
                  if row.get("master_store_id") and row["order_count"]]
    bulk_insert(writer.session.connection(), CustomerStore.__table__, store_rows)


_BLANK = {c.name: None for c in Customer.__table__.columns}


def _customer(rng: random.Random, n: int, refs: _Refs, now: datetime) -> tuple[dict, list[str]]:
    """One synthetic customer (``n`` keeps emails and licenses unique)."""
    rand = rng.random

    def between(low: int, high: int) -> int:  # randint without its overhead
        return low + int(rand() * (high - low + 1))

    city, state, zip3, areas = rng.choice(data.PLACES)
    first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
    roll = rand()
    kind = "business" if roll < 0.3 else ("registered" if roll < 0.8 else "guest")
    created = now - timedelta(days=rand() * 1100)
    phone = f"+1{rng.choice(areas)}{between(200, 999)}{between(0, 9999):04d}"
    status = rng.choices(refs.statuses, weights=(6, 3, 2))[0] if refs.statuses else None
    orders = 0 if rand() < 0.18 else int(rng.paretovariate(1.3))
    if kind == "business":
        orders *= 3
    spent = sum(between(1500, 40000 if kind != "business" else 400000)
                for _ in range(min(orders, 30))) * max(1, orders // 30)
    first_order = created + timedelta(days=rand() * 30) if orders else None
    last_order = (first_order + (now - first_order) * rand()) if first_order else None
    row: dict[str, Any] = dict(_BLANK)
    row.update({
        "type": kind, "first_name": first, "last_name": last, "phone": phone,
        "email": f"{first.lower()}.{last.lower()}{n}@{rng.choice(data.EMAIL_DOMAINS)}",
        "address1": f"{between(1, 9899)} {rng.choice(data.STREETS)}",
        "address2": f"Suite {between(100, 499)}" if rand() < 0.15 else None,
        "city": city, "state": state, "zip": f"{zip3}{between(0, 99):02d}",
        "country": "US", "status_id": status, "tax_exempt": rand() < 0.05,
        "created_at": created, "updated_at": created, "version": 1,
        # The totals a seller's old system would hand over in a spreadsheet: imported.
        "order_count": orders, "total_spent_cents": spent,  # the writer derives the average
        "imported_order_count": orders, "imported_spent_cents": spent,
        "totals_imported_at": now if orders else None,
        "first_order_at": first_order, "last_order_at": last_order,
        "sample_count": between(0, 6) if kind == "business" else 0,
        "last_activity_at": last_order or created,
        "subscription": False, "allow_age_limited_products": False,
    })
    if kind == "business":
        head, tail = rng.choice(data.COMPANY_HEADS), rng.choice(data.COMPANY_TAILS)
        number = f"{state}-{rng.choice('ACMR')}{n:08d}-LIC"
        row.update(
            company_name=f"{head} {tail}", license_number=number,
            license_type_id=rng.choice(refs.license_types) if refs.license_types else None,
            license_expires_on=date(now.year + between(0, 2), between(1, 12), 1),
            payment_term_id=rng.choice(refs.terms) if refs.terms else None,
            sales_rep_id=rng.choice(refs.reps) if refs.reps and rand() < 0.85 else None,
            external_id=f"RET-{n:08d}" if rand() < 0.4 else None)
    else:
        registered = kind == "registered"
        subscribed = registered and rand() < 0.45
        row.update(
            master_store_id=rng.choice(refs.stores) if refs.stores else None,
            registered_at=created if registered else None,
            last_login_at=(created + (now - created) * rand()) if registered else None,
            subscription=subscribed, subscribed_at=created if subscribed else None,
            membership_id=f"M{n:09d}" if registered and rand() < 0.3 else None,
            point_balance=between(0, 5000) if registered and rand() < 0.4 else None,
            allow_age_limited_products=rand() < 0.6,
            birthday=date(between(1950, 2004), between(1, 12), between(1, 28)),
            shopper_level=rng.choice(data.SHOPPER_LEVELS) if registered else None,
            risk_level=rng.choices(["low", "medium", "high"], weights=(85, 12, 3))[0],
            external_id=f"SHOP-{n:09d}" if rand() < 0.25 else None)
    tags = rng.sample(data.TAGS, k=rng.choice((0, 0, 0, 1, 1, 2)))
    return row, tags


def _chunk(start: int, count: int, refs: _Refs, now: datetime) -> list:
    """Customers number start .. start+count-1; the draws depend only on ``start``."""
    rng = random.Random(start)
    return [_customer(rng, n, refs, now) for n in range(start, start + count)]


def _batches(start: int, count: int, refs: _Refs) -> Iterator[list]:
    now = datetime.now(UTC)
    for first in range(start, start + count, CHUNK):
        yield _chunk(first, min(CHUNK, start + count - first), refs, now)


def seed(session: Session, *, customers: int, slug: str = DEMO_SLUG,
         progress: Callable[[int], None] | None = None,
         on_start: Callable[[int], None] | None = None) -> DemoResult:
    tenant_id, password = _ensure_workspace(session, slug)
    have = session.scalar(select(func.count()).select_from(Customer)
                          .where(Customer.tenant_id == tenant_id)) or 0
    missing = max(0, customers - have)
    refs = _refs(session, tenant_id)
    if on_start:
        on_start(missing)
    admin = session.scalar(select(User.id).where(User.tenant_id == tenant_id,
                                                 User.email == DEMO_ADMIN))
    principal = tenancy.principal_for(session, tenant_id=tenant_id, user_id=admin)
    assert principal is not None
    writer = Writer(session, Actor(principal, "cli"))
    begin_writing(session)
    # One transaction: the search index is filled in bulk at the end (customers.search_index).
    with deferred_search_index(session.connection(), expected_rows=missing):
        for batch in _batches(have + 1, missing, refs):
            _insert_batch(writer, batch)
            if progress:
                progress(len(batch))
    session.commit()
    seed_history(session, tenant_id)
    if missing:
        refresh_statistics(session)
    return DemoResult(tenant_id, DEMO_ADMIN, password, missing, have + missing)
