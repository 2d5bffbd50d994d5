"""An events batch: what its events name, loaded in a few set queries; each event applied
in order in memory (a refused event changes nothing); then everything written set-based in
the caller's transaction: customers created or enriched (through customers.writes), orders
and lines, samples, the timeline, derived metrics and the events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from patronage.customers import fields, matching, rules
from patronage.customers.codes import CustomerCode
from patronage.customers.models import Customer
from patronage.customers.writes import Actor, Holder, Writer, taken
from patronage.db import among, bulk_insert, reserve_ids, utcnow
from patronage.errors import Conflict, FieldError, PatronageError, ValidationFailed
from patronage.events import derived, effects
from patronage.events.codes import EventCode
from patronage.events.models import EVENT_KINDS, Activity, Order, OrderLine, Sample
from patronage.events.parsing import Parsed, parse
from patronage.events.schemas import EventResult
from patronage.reports import rollups
from patronage.settings_lists.models import LicenseType, Store
from patronage.storefront import service as storefront
from patronage.types import email_key

ENRICHABLE = fields.ENRICHABLE  # what an event may fill in when the customer lacks it
# Always read for a matched customer (the rest of ENRICHABLE only when an event sends it).
_LOADED = ("id", "type", "license_key", "external_id", "company_name", "first_name",
           "last_name", "email", "phone", "license_type_id", "allow_age_limited_products",
           "registered_at", "sales_rep_id", "version")


@dataclass
class Outcome:
    """One event's answer: 201 recorded, 200 a repeated key, 202 kept in the inbox (its
    queue id), else a problem."""

    status: int
    result: EventResult | None = None
    problem: PatronageError | None = None
    queued: int | None = None


def checked(items: list[tuple[Any, str | None]], region: str
            ) -> tuple[list[Outcome | None], list[Parsed]]:
    """Each raw event parsed on its own: a bad one answered with its problem (in its place
    of the answers), the others to record."""
    outcomes: list[Outcome | None] = [None] * len(items)
    parsed: list[Parsed] = []
    for i, (raw, key) in enumerate(items):
        try:
            parsed.append(parse(i, raw, key, region))
        except PatronageError as exc:
            outcomes[i] = Outcome(exc.status, problem=exc)
    return outcomes, parsed


def recorded(conn: Any, tenant_id: int, keys: set[str]) -> dict[str, Any]:
    """The events already recorded under these idempotency keys, by key."""
    if not keys:
        return {}
    return {row.idempotency_key: row for row in conn.execute(
        select(Activity.idempotency_key, Activity.id, Activity.customer_id,
               Activity.matched_by, Activity.fingerprint, Activity.data).where(
            Activity.tenant_id == tenant_id, among(conn, Activity.idempotency_key, keys)))}


def repeated(row: Any) -> Outcome:
    """The answer to a key already recorded: its first result again, 200."""
    return Outcome(200, EventResult(event_id=row.id, customer_id=row.customer_id,
                                    matched_by=row.matched_by,
                                    warnings=storefront.warnings_of(row.data)))


def reused(key: str | None) -> Conflict:
    return Conflict(f"Idempotency-Key '{key}' was already used for a different event.",
                    errors=[FieldError("/idempotency_key", "Reused for a different event.",
                                       EventCode.IDEMPOTENCY_KEY_REUSED)])



@dataclass
class BatchCustomer:
    """A customer as the batch sees it: loaded, or to be created (id < 0 until written)."""

    values: dict[str, Any]
    new: bool = False
    changed: set[str] = field(default_factory=set)  # enriched or retyped fields
    old: dict[str, Any] = field(default_factory=dict)
    touched: bool = False  # metrics to write
    recount: bool = False  # an existing order changed state: recount from the orders
    reported: bool = False  # an order or sample: the sales report's rollups move
    stores: set[int] = field(default_factory=set)

    @property
    def id(self) -> int:
        return self.values["id"]


@dataclass
class Pending:
    """An event accepted in this batch; its ids are known once written."""

    row: dict[str, Any]
    customer: BatchCustomer
    matched_by: str
    fingerprint: str

    def result(self) -> EventResult:
        # Built from values this module produced (ids, a MatchedBy literal): no re-validation.
        return EventResult.model_construct(event_id=self.row["id"],
                                           customer_id=self.customer.id,
                                           matched_by=self.matched_by,
                                           warnings=storefront.warnings_of(self.row["data"]))



class Batch:
    """What a batch's events name, loaded once, and what applying them changes."""

    def __init__(self, session: Session, actor: Actor, parsed: list[Parsed]) -> None:
        self.session, self.actor, self.tenant = session, actor, actor.tenant_id
        self.now = utcnow()
        self.customers: dict[int, BatchCustomer] = {}
        self.by = {rule: {} for rule in ("license_number", "external_id", "email", "phone")}
        self.pending: list[Pending] = []
        self.by_key: dict[str, Pending] = {}
        self.orders: dict[str, dict[str, Any]] = {}  # number -> order (loaded or new)
        self.new_orders: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self.status_updates: dict[int, dict[str, Any]] = {}
        self.samples: list[dict[str, Any]] = []
        self.new_tags: list[tuple[BatchCustomer, list[str]]] = []
        self._next_new = -1
        self._load(parsed)

    # -- loading ------------------------------------------------------------------------
    def _load(self, parsed: list[Parsed]) -> None:
        s, t = self.session.connection(), self.tenant  # Core reads: no ORM row loading
        self.stored = recorded(s, t, {p.key for p in parsed if p.key})
        wanted = {
            "license_number": {p.values["license_key"] for p in parsed
                               if p.values.get("license_key")},
            "external_id": {p.values["external_id"] for p in parsed
                            if p.values.get("external_id")},
            "email": {email_key(p.values["email"]) for p in parsed if p.values.get("email")},
            "phone": {p.values["phone"] for p in parsed if p.values.get("phone")},
        }
        sent = {k for p in parsed for k in p.values if k in ENRICHABLE}
        columns = [Customer.__table__.c[c] for c in dict.fromkeys((*_LOADED, *sorted(sent)))]
        # The stored total, apart from the figures the batch adds (which start empty).
        columns.append(Customer.__table__.c.total_spent_cents.label("stored_spent_cents"))
        # A merged customer's keys find the customer it was merged into.
        for rule, rows in matching.find(s, t, wanted, columns, lock=True,
                                        merged=True).items():
            for key, row in rows.items():
                # Figures start empty: what the batch adds is merged in SQL (derived.merge).
                customer = (self.customers.get(row["id"])
                            or BatchCustomer({**derived.empty(), **row}))
                self._remember(customer)
                self.by[rule].setdefault(key, customer)
        numbers = {p.data.number for p in parsed if hasattr(p.data, "number")}
        if numbers:
            query = (select(Order.id, Order.number, Order.customer_id, Order.status,
                            Order.cancelled)
                     .where(Order.tenant_id == t, among(s, Order.number, numbers)))
            if s.dialect.name != "sqlite":
                query = query.order_by(Order.id).with_for_update()
            for row in s.execute(query).mappings().all():
                self.orders[row["number"]] = dict(row)
        self.license_types = {
            lt_id: (name, {c.lower() for c in categories or []})
            for lt_id, name, categories in s.execute(
                select(LicenseType.id, LicenseType.name, LicenseType.product_categories)
                .where(LicenseType.tenant_id == t))}
        self.stores = dict(s.execute(select(Store.code, Store.id).where(Store.tenant_id == t)
                                     ).all())
        self.rules = storefront.rules(self.session, t)
        self.refs = {name: set(s.scalars(select(model.id).where(model.tenant_id == t)))
                     for name, (model, _label) in rules.REFERENCES.items()}

    def _remember(self, c: BatchCustomer) -> None:
        self.customers[c.id] = c
        v = c.values
        if v.get("type") == "business" and v.get("license_key"):
            self.by["license_number"].setdefault(v["license_key"], c)
        for rule, key in (("external_id", v.get("external_id")),
                          ("email", email_key(v["email"]) if v.get("email") else None),
                          ("phone", v.get("phone"))):
            if key:
                self.by[rule].setdefault(key, c)

    # -- matching -----------------------------------------------------------------------
    def _match(self, p: Parsed) -> tuple[BatchCustomer | None, str]:
        for rule, key in matching.keys(p.values):
            if key in self.by[rule]:
                return self.by[rule][key], rule
        return None, "created"

    def _check_references(self, values: dict[str, Any]) -> None:
        # The same rule and words as rules.check_references, from ids loaded once a batch.
        errors = [FieldError(f"/customer/{name}", f"No {label} with id {values[name]} in "
                             "this tenant.", CustomerCode.UNKNOWN_REFERENCE)
                  for name, (_model, label) in rules.REFERENCES.items()
                  if values.get(name) is not None and values[name] not in self.refs[name]]
        if errors:
            raise ValidationFailed.of(errors)

    def _new_customer(self, p: Parsed) -> BatchCustomer:
        v = dict(p.values)
        self._check_references(v)
        if v.get("license_key"):
            kind = "business"
        elif p.event.type == "shopper.signed_up":
            kind = "registered"
        else:
            kind = "guest"
        # Every holder of an external id the batch names was loaded (matching.find), and
        # customers the batch creates are remembered: one look covers both.
        other = self.by["external_id"].get(v.get("external_id") or "")
        if other is not None:
            ov = other.values
            raise taken("external_id", Holder(
                other.id, rules.display_name(ov.get("company_name"), ov.get("first_name"),
                                             ov.get("last_name"), ov.get("email"),
                                             ov.get("phone")), v["external_id"]),
                pointer="/customer")
        v.update(id=self._next_new, type=kind, version=1,
                 registered_at=p.event.occurred_at if kind == "registered" else None,
                 **derived.empty())
        v.setdefault("allow_age_limited_products", False)
        self._next_new -= 1
        return BatchCustomer(v, new=True)

    # -- applying -----------------------------------------------------------------------
    def apply(self, p: Parsed) -> Outcome | Pending:
        if p.key and (earlier := self.by_key.get(p.key)) is not None:
            return self._repeat(p, earlier.fingerprint, earlier)
        if p.key and (row := self.stored.get(p.key)) is not None:
            return self._repeat(p, row.fingerprint, row)
        c, matched_by = self._match(p)
        kind = p.event.type
        # Every check first: a refused event leaves nothing behind.
        order = None
        if kind == "order.placed":
            effects.check_order(self, c, p)
        elif kind == "order.status_changed":
            order = effects.known_order(self, c, p)
        if c is None:
            c = self._new_customer(p)
            self._remember(c)
            if p.values.get("tags"):
                self.new_tags.append((c, p.values["tags"]))
        else:
            self._enrich(c, p.values)
        # The event's row in the timeline; _effect fills in what it says.
        pending = Pending({"tenant_id": self.tenant, "kind": EVENT_KINDS[kind],
                            "occurred_at": p.event.occurred_at, "matched_by": matched_by,
                            "idempotency_key": p.key, "fingerprint": p.fingerprint,
                            "received_at": self.now, "subject": None, "body": None,
                            "data": None}, c, matched_by, p.fingerprint)
        self.pending.append(pending)
        if p.key:
            self.by_key[p.key] = pending
        effects.apply(self, c, p, order, pending)
        return pending

    def _repeat(self, p: Parsed, original: str, earlier: Any) -> Outcome | Pending:
        if original != p.fingerprint:
            raise reused(p.key)
        if isinstance(earlier, Pending):  # earlier in this batch: answered once written
            return earlier
        return repeated(earlier)

    def _enrich(self, c: BatchCustomer, values: dict[str, Any]) -> None:
        fill = {k: values[k] for k in ENRICHABLE
                if values.get(k) is not None and c.values.get(k) in (None, "")}
        if "external_id" in fill and fill["external_id"] in self.by["external_id"]:
            del fill["external_id"]  # held by another customer: not ours to take
        try:
            self._check_references(fill)
        except ValidationFailed:
            fill = {k: v for k, v in fill.items() if k not in rules.REFERENCES}
        for k, v in fill.items():
            c.old.setdefault(k, c.values.get(k))
            c.values[k] = v
            c.changed.add(k)
        if fill:
            self._remember(c)

    # -- writing ------------------------------------------------------------------------
    def write(self) -> None:
        if not self.pending:
            return
        conn = self.session.connection()
        writer = Writer(self.session, self.actor, self.now)
        created = [c for c in self.customers.values() if c.new]
        tags = {id(c): ts for c, ts in self.new_tags}
        ids = writer.create([{**c.values, "tags": tags.get(id(c), [])} for c in created])
        for c, new_id in zip(created, ids, strict=True):
            c.values["id"] = new_id
        changed = [c for c in self.customers.values()
                   if not c.new and (c.touched or c.changed)]
        derived.merge(conn, self.tenant, [
            {"_id": c.id, **{m: c.values[m] for m in derived.DELTAS}}
            for c in changed if c.touched])
        writer.update(({**c.values, **c.old}, {k: c.values[k] for k in c.changed})
                      for c in changed if c.changed)
        # Ids reserved under the batch's write lock (db.reserve_ids); the rows go in bulk.
        ids = reserve_ids(conn, Activity.__table__, len(self.pending))
        for p, event_id in zip(self.pending, ids, strict=True):
            p.row["id"] = event_id
        bulk_insert(conn, Activity.__table__, [{**p.row, "customer_id": p.customer.id}
                                                for p in self.pending])
        if self.new_orders:
            ids = reserve_ids(conn, Order.__table__, len(self.new_orders))
            rows, lines = [], []
            for (order, order_lines), order_id in zip(self.new_orders, ids, strict=True):
                order["id"] = order_id
                rows.append({k: v for k, v in order.items() if k != "customer"}
                            | {"customer_id": order["customer"].id})
                lines += [{**ln, "tenant_id": self.tenant, "order_id": order_id,
                           "customer_id": order["customer"].id} for ln in order_lines]
            bulk_insert(conn, Order.__table__, rows)
            bulk_insert(conn, OrderLine.__table__, lines)
        for order_id, values in self.status_updates.items():
            conn.execute(update(Order.__table__).where(Order.tenant_id == self.tenant,
                                                       Order.id == order_id).values(**values))
        bulk_insert(conn, Sample.__table__, [
            {k: v for k, v in s.items() if k != "customer"} | {"customer_id": s["customer"].id}
            for s in self.samples])
        stores = {(c.id, s) for c in self.customers.values() for s in c.stores}
        if stores:
            derived.add_stores(conn, self.tenant, stores)
        recount = [c.id for c in self.customers.values() if c.recount]
        if recount:
            derived.recount_orders(conn, self.tenant, recount)
        # The sales report: customers that only gained orders and samples are renewed
        # from what this batch added; a changed order state reads their orders again.
        added: dict[int, rollups.Added] = {}
        for order, _lines in self.new_orders:
            c = order["customer"]
            if not c.recount:
                added.setdefault(c.id, ([], []))[0].append((
                    order["sales_rep_id"], order["placed_at"], order["total_cents"],
                    order["cancelled"], order["id"]))
        for sample in self.samples:
            c = sample["customer"]
            if not c.recount:
                added.setdefault(c.id, ([], []))[1].append((sample["sales_rep_id"],
                                                             sample["requested_at"]))
        rollups.refresh(conn, self.tenant, [c.id for c in self.customers.values()
                                            if c.reported], added=added)
