"""A customer's timeline: everything the sales channel reported, the sales activities staff
logged, and the edits from the audit trail, merged newest first and keyset-paged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from patronage.customers import rules
from patronage.customers.codes import CustomerCode
from patronage.customers.models import AuditEntry, Customer
from patronage.db import as_utc, utcnow
from patronage.errors import ValidationFailed
from patronage.events.models import ACTIVITY_KINDS, LOGGED_KINDS, Activity
from patronage.events.schemas import ActivityIn, TimelineEntry, TimelinePage
from patronage.merges import redirects
from patronage.pagination import decode_cursor, encode_cursor
from patronage.tenancy.models import User
from patronage.tenancy.schemas import Principal

TIMELINE_KINDS = (*ACTIVITY_KINDS, "edit")
_ACTIVITY, _EDIT = 1, 0  # the tie-break between the two sources at the same instant


def _customer_exists(session: Session, tenant_id: int, customer_id: int) -> None:
    if session.scalar(select(Customer.id).where(Customer.tenant_id == tenant_id,
                                                Customer.id == customer_id)) is None:
        raise redirects.no_customer(session.connection(), tenant_id, customer_id)


def log_activity(session: Session, principal: Principal, customer_id: int,
                 data: ActivityIn) -> TimelineEntry:
    _customer_exists(session, principal.tenant_id, customer_id)
    if not (data.subject or data.body or data.outcome):
        raise ValidationFailed.field("subject", "Say what happened: a subject, notes or an "
                                     "outcome.", CustomerCode.REQUIRED)
    row = Activity(tenant_id=principal.tenant_id, customer_id=customer_id, kind=data.kind,
                   occurred_at=as_utc(data.occurred_at) if data.occurred_at else utcnow(),
                   author_id=principal.user_id, subject=data.subject, body=data.body,
                   outcome=data.outcome, follow_up_on=data.follow_up_on)
    session.add(row)
    session.commit()
    return _from_activity(row, principal.name)


def _from_activity(a: Activity, author: str | None) -> TimelineEntry:
    return TimelineEntry(id=f"a{a.id}", kind=a.kind, occurred_at=a.occurred_at,
                         source="staff" if a.kind in LOGGED_KINDS else "event",
                         subject=a.subject, body=a.body, outcome=a.outcome,
                         follow_up_on=a.follow_up_on, author=author, data=a.data)


_MOVED_WORDS = (("orders", "order", "orders"), ("samples", "sample", "samples"),
                ("activities", "activity", "activities"),
                ("audit_entries", "history entry", "history entries"),
                ("tags", "tag", "tags"), ("stores", "store", "stores"))


def _from_edit(e: AuditEntry) -> TimelineEntry:
    """An audit entry in the timeline; a merge (or its undo) says whom and what moved."""
    subject, data = f"{e.action.capitalize()} via {e.source}", None
    new = e.new_value if isinstance(e.new_value, dict) else {}
    if e.action == "merged" and isinstance(e.old_value, dict):
        parts = ("company_name", "first_name", "last_name", "email", "phone")
        names = ", ".join(f"#{c.get('id')} {rules.display_name(*(c.get(k) for k in parts))}"
                          for c in e.old_value.get("customers", []))
        moved = new.get("moved") or {}
        said = [f"{n} {one if n == 1 else many}"
                for key, one, many in _MOVED_WORDS if (n := moved.get(key))]
        subject = f"Merged {names} into this customer"
        data = {"merge_id": new.get("merge_id"), "moved": ", ".join(said) or "nothing"}
    elif e.action == "unmerged":
        restored = new.get("restored")
        subject = (f"Merge undone: {', '.join(f'#{i}' for i in restored)} back as separate "
                   "customers" if restored else
                   f"Merge undone: back from customer #{new.get('from')}")
    return TimelineEntry(id=f"e{e.id}", kind="edit", occurred_at=e.at, source="edit",
                         author=e.actor, subject=subject, field=e.field, old=e.old_value,
                         new=e.new_value, data=data)


def _after(at_col: Any, id_col: Any, source: int, key: tuple[datetime, int, int] | None
           ) -> Any:
    """Rows after the cursor in (time, source, id) descending order."""
    if key is None:
        return true()
    at, src, last = key
    if source < src:
        return at_col <= at
    if source > src:
        return at_col < at
    return or_(at_col < at, and_(at_col == at, id_col < last))


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed.field("cursor", "The cursor is damaged; start from the first page.",
                                  CustomerCode.INVALID_CURSOR)


def timeline(session: Session, *, tenant_id: int, customer_id: int, kinds: list[str] | None,
             limit: int, cursor: str | None) -> TimelinePage:
    _customer_exists(session, tenant_id, customer_id)
    key = None
    if cursor:
        raw = decode_cursor(cursor)
        try:
            key = (as_utc(datetime.fromisoformat(raw[0])), int(raw[1]), int(raw[2]))
        except (TypeError, ValueError, IndexError):
            raise _bad_cursor() from None
    wanted = set(kinds or TIMELINE_KINDS)
    unknown = wanted - set(TIMELINE_KINDS)
    if unknown:
        raise ValidationFailed.field("kind", f"Unknown kind(s): {', '.join(sorted(unknown))}. "
                                     f"Kinds: {', '.join(TIMELINE_KINDS)}.", "invalid_kind")
    merged: list[tuple[datetime, int, int, TimelineEntry]] = []
    activity_kinds = wanted - {"edit"}
    if activity_kinds:
        rows = session.execute(
            select(Activity, User.name).outerjoin(User, and_(User.tenant_id == tenant_id,
                                                             User.id == Activity.author_id))
            .where(Activity.tenant_id == tenant_id, Activity.customer_id == customer_id,
                   Activity.kind.in_(activity_kinds),
                   _after(Activity.occurred_at, Activity.id, _ACTIVITY, key))
            .order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit + 1)).all()
        merged += [(a.occurred_at, _ACTIVITY, a.id, _from_activity(a, name)) for a, name in rows]
    if "edit" in wanted:
        edits = session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == tenant_id,
                                     AuditEntry.customer_id == customer_id,
                                     _after(AuditEntry.at, AuditEntry.id, _EDIT, key))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)).all()
        merged += [(e.at, _EDIT, e.id, _from_edit(e)) for e in edits]
    merged.sort(key=lambda m: (as_utc(m[0]), m[1], m[2]), reverse=True)
    page = merged[:limit]
    next_cursor = None
    if len(merged) > limit:
        at, src, last, _ = page[-1]
        next_cursor = encode_cursor([as_utc(at).isoformat(), src, last])
    return TimelinePage(items=[m[3] for m in page], next_cursor=next_cursor)
