"""The one writer of customer rows.

Every path that writes a customer — an API or admin edit (a batch of one), events, imports,
bulk edit, the demo seed — decides *what* changes and hands it here; this module writes it
set-based in the caller's transaction, with what follows from it: the defaults of a new
customer, the derived columns (name sort key, license key, average order, subscription
time), a new version and time on every change, the tags, and audit entries of one shape
(a snapshot of ``fields.AUDITED`` when created or deleted, one entry per changed field).
Uniqueness the database guards is named as the field it concerns (``unique_violation``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage.customers import fields, rules
from patronage.customers.codes import CustomerCode
from patronage.customers.models import AuditEntry, Customer, CustomerTag
from patronage.db import begin_writing, bulk_insert, reserve_ids, utcnow
from patronage.errors import Conflict, FieldError, ValidationFailed
from patronage.merges import redirects
from patronage.reports import rollups
from patronage.tenancy.schemas import Principal
from patronage.types import license_key

_TABLE = Customer.__table__
_COLUMNS = tuple(c.name for c in _TABLE.columns)
_COLUMN_SET = frozenset(_COLUMNS)
# A new customer's row before its values: every column, the defaults set.
_NEW: dict[str, Any] = {**dict.fromkeys(_COLUMNS), "version": 1, "tax_exempt": False,
                        "subscription": False, "allow_age_limited_products": False,
                        "order_count": 0, "total_spent_cents": 0,
                        "average_order_value_cents": 0, "sample_count": 0,
                        "imported_order_count": 0, "imported_spent_cents": 0}
_DEFAULTED = tuple(k for k, v in _NEW.items() if v is not None)
_FIGURES = ("order_count", "total_spent_cents")
_NAME_PARTS = ("company_name", "first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which channel (recorded in the audit trail)."""

    principal: Principal
    source: str = "api"  # api | admin | cli | import | event

    @property
    def tenant_id(self) -> int:
        return self.principal.tenant_id


def jsonable(value: Any) -> Any:
    """An audit value as JSON stores it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def audit_values(actor: Actor, customer_id: int, action: str, field: str | None = None,
                 old: Any = None, new: Any = None, at: datetime | None = None
                 ) -> dict[str, Any]:
    """One audit entry's columns, the one shape every change is recorded in."""
    return {"tenant_id": actor.tenant_id, "customer_id": customer_id, "at": at or utcnow(),
            "user_id": actor.principal.user_id, "actor": actor.principal.email,
            "source": actor.source, "action": action, "field": field,
            "old_value": jsonable(old), "new_value": jsonable(new)}


# What a field holds when nothing was said of it: flags off, no tags, no orders, else null.
_UNSET = {f.name: False if f.kind == "flag" else [] if f.kind == "tags"
          else 0 if not f.editable else None for f in fields.FIELDS}


_AUDITED = tuple((f, _UNSET[f]) for f in fields.AUDITED if f != "tags")
_DATED = frozenset(f.name for f in fields.FIELDS if f.kind in ("date", "datetime"))


def snapshot(values: Mapping[str, Any], tags: Sequence[str] = ()) -> dict[str, Any]:
    """A customer as the audit trail records it when it is created or deleted: every
    audited field that holds something (dates as ISO text), and its ``tags`` if any. On
    every path that creates customers in bulk: one comprehension, no copy of the row."""
    # Every unset value is falsy, so a truthy one is kept at once (dates always are).
    out = {field: value for field, unset in _AUDITED if (value := values.get(field))
           or (value is not None and value != "" and value != unset)}
    for field in _DATED.intersection(out):
        out[field] = out[field].isoformat()
    if tags:
        out["tags"] = list(tags)
    return out


def new_row(tenant_id: int, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A whole customers row (every column present, as bulk_insert needs): the defaults of
    a new customer, then ``values`` (unknown keys ignored), then what is derived from
    them. ``id`` is set by the caller."""
    row: dict[str, Any] = {**_NEW, "created_at": now, "updated_at": now}
    row.update(values)
    for key in values.keys() - _COLUMN_SET:  # tags and the like: not columns
        del row[key]
    row["tenant_id"] = tenant_id
    for key in _DEFAULTED:  # a None given is the default (NOT NULL columns)
        if row[key] is None:
            row[key] = _NEW[key]
    for key in ("created_at", "updated_at"):
        if row[key] is None:
            row[key] = now
    if row["license_number"] and not row["license_key"]:
        row["license_key"] = license_key(row["license_number"])
    row["sort_name"] = rules.sort_name_of(row)
    row["average_order_value_cents"] = rules.average_order(row["total_spent_cents"],
                                                           row["order_count"])
    if row["subscription"] and row["subscribed_at"] is None:
        row["subscribed_at"] = now
    if row["type"] == "registered" and row["registered_at"] is None:
        row["registered_at"] = now  # registered now, by whoever adds them
    return row


def _derived(current: Mapping[str, Any], columns: dict[str, Any], now: datetime) -> None:
    """What follows from changed ``columns`` of a stored customer (``current`` holds at
    least the name parts, version, and the figures when they change)."""
    merged = {**current, **columns}
    if "license_number" in columns:
        number = columns["license_number"]
        columns["license_key"] = license_key(number) if number else None
    if any(f in columns for f in _NAME_PARTS):
        columns["sort_name"] = rules.sort_name_of(merged)
    if any(f in columns for f in _FIGURES):
        columns["average_order_value_cents"] = rules.average_order(
            merged["total_spent_cents"], merged["order_count"])
    if "subscription" in columns:
        if not columns["subscription"]:
            columns["subscribed_at"] = None
        elif not current.get("subscription") and columns.get("subscribed_at") is None:
            columns["subscribed_at"] = now  # unless the caller says when (a merge)
    if columns.get("type") == "registered" and current.get("type") != "registered":
        # Becoming registered anywhere (a form, PATCH, an import, an event) dates it.
        if "registered_at" not in merged:  # not read by the caller: keep a stored date
            columns["registered_at"] = func.coalesce(_TABLE.c.registered_at, now)
        elif merged["registered_at"] is None:
            columns["registered_at"] = now


def new_ids(conn: Connection, count: int) -> list[int]:
    """Ids for new customers (``db.reserve_ids``), on SQLite above every merged customer's
    too: a merged id keeps answering with its survivor, so it is never handed out again."""
    above = redirects.highest_merged_id(conn) if conn.dialect.name == "sqlite" else 0
    return reserve_ids(conn, _TABLE, count, above=above)


class Stale(Exception):
    """A customer changed between being read and being written (its version moved)."""


class Writer:
    """Writes customers for one actor in the session's transaction (the caller commits)."""

    def __init__(self, session: Session, actor: Actor, now: datetime | None = None) -> None:
        self.session, self.actor, self.tenant = session, actor, actor.tenant_id
        self.now = now or utcnow()
        self.audit: list[dict[str, Any]] = []

    def _entry(self, customer_id: int, action: str, field: str | None = None,
               old: Any = None, new: Any = None, at: datetime | None = None) -> None:
        self.audit.append(audit_values(self.actor, customer_id, action, field, old, new,
                                       at=at or self.now))

    def create(self, records: Sequence[Mapping[str, Any]], *, audit: bool = True
               ) -> list[int]:
        """Insert new customers (field values, ``tags`` a list); returns their ids in
        order. Ids are reserved under the write lock, so children can be written with
        them in the same transaction."""
        if not records:
            return []
        begin_writing(self.session)
        conn = self.session.connection()
        ids = new_ids(conn, len(records))
        rows, tags = [], []
        for values, cid in zip(records, ids, strict=True):
            row = new_row(self.tenant, values, self.now)
            row["id"] = cid
            rows.append(row)
            names = values.get("tags") or []
            tags += [{"tenant_id": self.tenant, "customer_id": cid, "tag": t} for t in names]
            if audit:
                self._entry(cid, "created", new=snapshot(row, names),
                            at=row["created_at"])
        bulk_insert(conn, _TABLE, rows)
        bulk_insert(conn, CustomerTag.__table__, tags)
        self.flush_audit()
        return ids

    def update(self, edits: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], *,
               check_version: bool = False, audit: bool = True) -> None:
        """Change stored customers: each edit is (the stored values it was decided on —
        ``id``, ``version``, the name parts, and every changed field's old value —, the
        changes). A new version and time for each; ``check_version`` refuses (Stale) an
        edit whose customer moved on meanwhile. Without ``audit`` the caller records the
        change in one entry of its own (``record``: a merge)."""
        conn = self.session.connection()
        tag_rows: list[dict[str, Any]] = []
        for current, changes in edits:
            if not changes:
                continue
            cid = current["id"]
            columns = {k: v for k, v in changes.items() if k != "tags"}
            _derived(current, columns, self.now)
            columns.update(version=current["version"] + 1, updated_at=self.now)
            query = update(_TABLE).where(_TABLE.c.tenant_id == self.tenant, _TABLE.c.id == cid)
            if check_version:
                query = query.where(_TABLE.c.version == current["version"])
            if conn.execute(query.values(**columns)).rowcount != 1 and check_version:
                raise Stale(cid)
            if "tags" in changes:
                conn.execute(delete(CustomerTag).where(CustomerTag.tenant_id == self.tenant,
                                                       CustomerTag.customer_id == cid))
                tag_rows += [{"tenant_id": self.tenant, "customer_id": cid, "tag": t}
                             for t in changes["tags"]]
            stamped = {"registered_at": columns["registered_at"]} if isinstance(
                columns.get("registered_at"), datetime) and "registered_at" not in changes \
                else {}
            for field, value in sorted({**changes, **stamped}.items()):
                if audit and field in fields.AUDITED:
                    self._entry(cid, "updated", field, current.get(field), value)
        bulk_insert(conn, CustomerTag.__table__, tag_rows)
        self.flush_audit()

    def delete(self, ids: Sequence[int], *, audit: bool = True) -> int:
        """Delete customers, each leaving a snapshot in the audit trail (which outlives
        it; without ``audit`` the caller records them: a merge); returns how many were
        deleted."""
        if not ids:
            return 0
        conn = self.session.connection()
        audited = [c for c in fields.AUDITED if c != "tags"]
        tags: dict[int, list[str]] = {}
        deleted = 0
        for start in range(0, len(ids), 5_000):
            chunk = list(ids[start:start + 5_000])
            for cid, tag in conn.execute(
                    select(CustomerTag.customer_id, CustomerTag.tag)
                    .where(CustomerTag.tenant_id == self.tenant,
                           CustomerTag.customer_id.in_(chunk))
                    .order_by(CustomerTag.customer_id, CustomerTag.tag)):
                tags.setdefault(cid, []).append(tag)
            for row in conn.execute(select(_TABLE.c.id, *(_TABLE.c[c] for c in audited))
                                    .where(_TABLE.c.tenant_id == self.tenant,
                                           _TABLE.c.id.in_(chunk))).mappings():
                if audit:
                    self._entry(row["id"], "deleted",
                                old=snapshot(row, tags.get(row["id"], ())))
            rollups.refresh(conn, self.tenant, chunk, gone=True)  # their sales leave too
            deleted += conn.execute(delete(_TABLE).where(
                _TABLE.c.tenant_id == self.tenant, _TABLE.c.id.in_(chunk))).rowcount
        self.flush_audit()
        return deleted

    def restore(self, rows: Sequence[Mapping[str, Any]], tags: Mapping[int, Sequence[str]]
                ) -> None:
        """Put back customers exactly as they were stored (every column, their own ids and
        versions) with their tags: undoing a merge, which records it (``record``)."""
        conn = self.session.connection()
        bulk_insert(conn, _TABLE, [{**_NEW, **row, "tenant_id": self.tenant} for row in rows])
        bulk_insert(conn, CustomerTag.__table__, [
            {"tenant_id": self.tenant, "customer_id": cid, "tag": t}
            for cid, names in tags.items() for t in names])

    def record(self, customer_id: int, action: str, old: Any = None, new: Any = None
               ) -> None:
        """One audit entry for a whole change of a customer (merged, unmerged)."""
        self._entry(customer_id, action, old=old, new=new)
        self.flush_audit()

    # -- set-based changes of many customers (bulk edit): SQL, with the same audit shape --
    def _audit_in_sql(self, rows: ColumnElement[bool], action: str, field: str | None,
                      old: ColumnElement | None, new: ColumnElement | None) -> None:
        """An audit entry for each customer ``rows`` selects, written by one INSERT."""
        a = AuditEntry.__table__.c
        source = select(
            literal(self.tenant, Integer()), Customer.id, literal(self.now, a.at.type),
            literal(self.actor.principal.user_id, Integer()),
            literal(self.actor.principal.email, String()), literal(self.actor.source, String()),
            literal(action, String()), literal(field, String()),
            old if old is not None else literal(None, a.old_value.type),
            new if new is not None else literal(None, a.new_value.type)).where(rows)
        self.session.execute(insert(AuditEntry).from_select(
            ["tenant_id", "customer_id", "at", "user_id", "actor", "source", "action", "field",
             "old_value", "new_value"], source))

    def _json(self, value: ColumnElement) -> ColumnElement:
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        return func.json_quote(value) if sqlite else func.to_json(value)

    def set_in_bulk(self, in_scope: Any, field: str, value: int | None) -> int:
        """Set a reference field of every customer ``in_scope`` selects (ids); returns how
        many changed (those that held another value)."""
        column = getattr(Customer, field)
        differs = and_(Customer.tenant_id == self.tenant, Customer.id.in_(in_scope),
                       column.is_distinct_from(value))
        self._audit_in_sql(differs, "updated", field, self._json(column),
                           self._json(literal(value, Integer())))
        return self.session.execute(update(Customer).where(differs).values(
            {field: value, "version": Customer.version + 1, "updated_at": self.now})
            .execution_options(synchronize_session=False)).rowcount

    def tag_in_bulk(self, in_scope: Any, tags: list[str], *, add: bool) -> int:
        """Add (or remove) ``tags`` to every customer ``in_scope`` selects; one audit entry
        per tag added or removed. Returns how many customers changed."""
        base = and_(Customer.tenant_id == self.tenant, Customer.id.in_(in_scope))
        holders = select(CustomerTag.customer_id).where(CustomerTag.tenant_id == self.tenant,
                                                        CustomerTag.tag.in_(tags))
        if add:  # touched: missing at least one of the tags
            complete = holders.group_by(CustomerTag.customer_id).having(
                func.count(CustomerTag.tag) == len(tags))
            touched = and_(base, Customer.id.not_in(complete))
        else:  # touched: holding at least one of them
            touched = and_(base, Customer.id.in_(holders))
        changed = self.session.scalar(select(func.count()).where(touched)) or 0
        # Version and time move only for customers whose tags change (before they do).
        self.session.execute(update(Customer).where(touched).values(
            {"version": Customer.version + 1, "updated_at": self.now})
            .execution_options(synchronize_session=False))
        for tag in tags:
            has = select(CustomerTag.customer_id).where(CustomerTag.tenant_id == self.tenant,
                                                        CustomerTag.tag == tag)
            if add:
                targets = and_(base, Customer.id.not_in(has))
                self._audit_in_sql(targets, "updated", "tags", None,
                                   self._json(literal(f"+{tag}", String())))
                self.session.execute(insert(CustomerTag).from_select(
                    ["tenant_id", "customer_id", "tag"],
                    select(Customer.tenant_id, Customer.id, literal(tag, String()))
                    .where(targets)))
            else:
                targets = and_(base, Customer.id.in_(has))
                self._audit_in_sql(targets, "updated", "tags",
                                   self._json(literal(tag, String())), None)
                self.session.execute(delete(CustomerTag).where(
                    CustomerTag.tenant_id == self.tenant, CustomerTag.tag == tag,
                    CustomerTag.customer_id.in_(in_scope)))
        return changed

    def flush_audit(self) -> None:
        bulk_insert(self.session.connection(), AuditEntry.__table__, self.audit)
        self.audit = []


# Keys one customer at most holds in a workspace (the unique indexes): a business's license
# (by its normalised key) and the external id. Field -> (the column compared, a condition).
UNIQUE: dict[str, tuple[Any, Any]] = {
    "license_number": (Customer.license_key, Customer.type == "business"),
    "external_id": (Customer.external_id, None),
}


@dataclass(frozen=True)
class Holder:
    id: int
    name: str
    value: str  # the key as the holder spells it


def holders(session: Session, tenant_id: int, wanted: Mapping[str, Iterable[str]]
            ) -> dict[str, dict[str, Holder]]:
    """Who holds each wanted unique key (field -> keys, a license by its key): one query a
    field, for a batch of any size."""
    out: dict[str, dict[str, Holder]] = {field: {} for field in UNIQUE}
    conn = session.connection()
    c = _TABLE.c
    for field, keys in wanted.items():
        keys = sorted(set(keys))
        if not keys:
            continue
        column, condition = UNIQUE[field]
        query = select(column, c.id, c[field], *(c[n] for n in _NAME_PARTS)).where(
            c.tenant_id == tenant_id, column.in_(keys))
        if condition is not None:
            query = query.where(condition)
        for key, cid, value, *names in conn.execute(query):
            out[field][key] = Holder(cid, rules.display_name(*names), value)
    return out


def taken(field: str, holder: Holder, pointer: str = "") -> Conflict:
    """The 409 every door answers for a unique key another customer holds."""
    return Conflict(rules.held_by(field, holder.value, holder.id, holder.name),
                    errors=[FieldError(f"{pointer}/{field}", f"Already used by customer "
                                       f"#{holder.id} ({holder.name}).",
                                       CustomerCode(f"duplicate_{field}"))],
                    extra={"conflicting_customer_id": holder.id})


def unique_keys(values: Mapping[str, Any]) -> dict[str, str]:
    """The unique keys a customer's values claim (field -> key)."""
    keys = {}
    if values.get("type") == "business" and values.get("license_key"):
        keys["license_number"] = values["license_key"]
    if values.get("external_id"):
        keys["external_id"] = values["external_id"]
    return keys


def check_unique(session: Session, tenant_id: int, values: Mapping[str, Any],
                 exclude_id: int | None = None) -> None:
    """A unique key of ``values`` held by another customer than ``exclude_id``: 409."""
    keys = unique_keys(values)
    found = holders(session, tenant_id, {f: [k] for f, k in keys.items()})
    for field, key in keys.items():
        holder = found[field].get(key)
        if holder is not None and holder.id != exclude_id:
            raise taken(field, holder)


# The unique keys the database guards, by constraint (PostgreSQL names it) and by the
# columns SQLite names instead: the field each concerns.
UNIQUE_KEYS = {
    "uq_customers_tenant_license_key": ("customers.tenant_id, customers.license_key",
                                        "license_number"),
    "uq_customers_tenant_external_id": ("customers.tenant_id, customers.external_id",
                                        "external_id"),
}


def unique_violation(exc: IntegrityError) -> Conflict | None:
    """The 409 for a unique key another customer holds, named by the constraint the
    database refused (not by words in its message); None for any other refusal."""
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    message = str(exc.orig)
    for name, (sqlite_columns, field) in UNIQUE_KEYS.items():
        if constraint == name or (constraint is None and message.endswith(sqlite_columns)):
            words = field.replace("_", " ")
            return Conflict(f"Another customer of this workspace has that {words}.",
                            errors=[FieldError(f"/{field}", "Already used by another "
                                               "customer.", CustomerCode(f"duplicate_{field}"))],
                            extra={"constraint": name})
    return None


def answered(session: Session, work: Callable[[], Any]) -> Any:
    """Run a write (an add, an edit, a merge, an undo); a rule the database still refuses —
    a key another writer took in between, a CHECK — is a 409 or 422 with nothing changed,
    never a 500."""
    try:
        return work()
    except IntegrityError as exc:
        session.rollback()
        conflict = unique_violation(exc)
        if conflict is not None:
            raise conflict from exc
        raise ValidationFailed(detail="The record breaks a database rule: "
                               f"{str(exc.orig).splitlines()[0]}") from exc

