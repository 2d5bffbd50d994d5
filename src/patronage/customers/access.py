"""Who may edit which customer: writers (admins, sales reps) may; viewers may not; and a
workspace may keep sales reps to the customers assigned to them (Settings → Storefront,
"Sales reps may edit"). Every customer edit door asks here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from patronage.errors import Forbidden
from patronage.storefront import service as storefront
from patronage.tenancy.schemas import Principal
from patronage.tenancy.service import require_writer


def own_only(session: Session, principal: Principal) -> bool:
    """This member may edit only the customers assigned to them."""
    return principal.role == "sales_rep" and storefront.rules(
        session, principal.tenant_id).rep_edit_scope == "own"


def may_edit(session: Session, principal: Principal, customer: Any) -> bool:
    return editable(session, principal, [customer])[0]


def editable(session: Session, principal: Principal, customers: Sequence[Any]) -> list[bool]:
    """For each customer, whether ``principal`` may edit it (the workspace's rule read
    once)."""
    if not principal.can_write:
        return [False] * len(customers)
    own = own_only(session, principal)
    return [not own or c.sales_rep_id == principal.user_id for c in customers]


def require_editor(session: Session, principal: Principal, customer: Any) -> None:
    """403 unless ``principal`` may edit ``customer`` (anything with id and sales_rep_id)."""
    require_writer(principal)
    if not may_edit(session, principal, customer):
        raise Forbidden(f"Customer #{customer.id} is not assigned to you, and this "
                        "workspace lets sales reps edit only their own customers.")

