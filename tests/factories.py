"""Test data built through the real services, so tests meet production validation."""

from __future__ import annotations

import itertools
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from patronage.db import bind_tenant
from patronage.settings_lists import service as lists
from patronage.settings_lists.kinds import KINDS
from patronage.tenancy import service as tenancy

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


@dataclass
class TenantCtx:
    id: int
    slug: str
    token: str
    email: str
    refs: dict[str, list[int]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, client: Any, session: Session) -> None:
        self.client = client
        self.session = session

    def tenant(self, region: str = "US", with_lists: bool = True) -> TenantCtx:
        slug = f"t{next(_seq)}-{uuid.uuid4().hex[:8]}"
        tenant = tenancy.create_tenant(self.session, slug=slug, name=f"Seller {slug}",
                                       default_region=region)
        bind_tenant(self.session, tenant.id)  # the tenant's rows are written as its own
        email = f"admin@{slug}.example"
        tenancy.create_user(self.session, tenant_id=tenant.id, email=email, role="admin",
                            password=PASSWORD, name="Ada Admin")
        ctx = TenantCtx(tenant.id, slug, tenancy.create_token(self.session, tenant_id=tenant.id,
                                                               email=email), email)
        if with_lists:
            seeds: dict[str, list[dict[str, Any]]] = {
                "statuses": [{"name": "Customer", "colour": "#067647"},
                             {"name": "Lead", "colour": "#b54708"}],
                "payment-terms": [{"name": "COD", "days": 0}, {"name": "Net 30", "days": 30}],
                "license-types": [{"name": "Retailer",
                                   "product_categories": ["flower", "edibles"]}],
                "stores": [{"name": "Main", "code": "main"}],
            }
            for slug_, items in seeds.items():
                kind = KINDS[slug_]
                ctx.refs[slug_] = [
                    lists.create_item(self.session, kind, tenant_id=tenant.id,
                                      data=kind.create.model_validate(i)).id for i in items]
        return ctx

    def member(self, ctx: TenantCtx, role: str) -> dict[str, str]:
        """Headers for a new team member of ``ctx`` with ``role``."""
        email = f"{role}{next(_seq)}@{ctx.slug}.example"
        bind_tenant(self.session, ctx.id)
        tenancy.create_user(self.session, tenant_id=ctx.id, email=email, role=role,
                            password=PASSWORD)
        token = tenancy.create_token(self.session, tenant_id=ctx.id, email=email)
        return {"Authorization": f"Bearer {token}"}

    def customer(self, ctx: TenantCtx, **overrides: Any) -> dict[str, Any]:
        n = next(_seq)
        body: dict[str, Any] = {"type": "business", "company_name": f"Blacksmith Goods {n}",
                                "license_number": f"CA-{n:06d}-LIC"}
        body.update(overrides)
        return self.post(ctx, body)

    def likely_duplicates(self, ctx: TenantCtx) -> tuple[dict[str, Any], dict[str, Any]]:
        """Two spellings of one dispensary (license digits swapped, the same phone and street
        written differently): the pair the duplicate scan and the merge page show."""
        kept = self.customer(ctx, company_name="Green Leaf Dispensary LLC",
                             license_number="C10-0000123-LIC", phone="(510) 555-0101",
                             address1="12 North Main Street", city="Oakland", zip="94607")
        other = self.customer(ctx, company_name="The Green Leaf Dispensary",
                              license_number="C10-0000213-LIC", phone="510.555.0101",
                              email="buyer@greenleaf.example", address1="12 N Main St",
                              city="Oakland", zip="94607")
        return kept, other

    def post(self, ctx: TenantCtx, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/api/v1/customers", json=body, headers=ctx.headers)
        assert response.status_code == 201, response.text
        return response.json()

    def partial(self, ctx: TenantCtx, **values: Any) -> dict[str, Any]:
        """A customer as events or imports make them: partial, without the by-hand rules."""
        from patronage.customers import service
        from patronage.customers.schemas import CustomerCreate

        actor = service.Actor(tenancy.authenticate_token(self.session, ctx.token), "event")
        return service.create_customer(self.session, actor=actor, by_hand=False,
                                       data=CustomerCreate.model_validate(values)).model_dump(
                                           mode="json")

    def shopper(self, ctx: TenantCtx, **overrides: Any) -> dict[str, Any]:
        n = next(_seq)
        body: dict[str, Any] = {
            "type": "registered", "first_name": "Ana", "last_name": f"Smith{n}",
            "email": f"Ana.Smith{n}@Example.COM", "phone": "(415) 555-0134",
            "address1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105"}
        body.update(overrides)
        return self.post(ctx, body)


def sqlite_env() -> dict[str, str]:
    """The environment for a subprocess given a SQLite DATABASE_URL of its own: without the
    PostgreSQL owner's address the suite may run with."""
    return {k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"}


def csrf_of(html: str) -> str:
    """The CSRF token a rendered admin page carries in its forms."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def problems(response: Any, status: int = 422) -> list[tuple[str, str]]:
    """The (pointer, code) pairs of a problem-details answer, after checking its status and
    media type: what an API client reads to find the offending field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["pointer"], e["code"]) for e in response.json().get("errors", [])]
