"""Merging customers that are one into a survivor, and undoing a merge: each a use case that
owns its transaction and writes through the one writer (customers.writes.Writer).

A merge moves every row of the merged customers' history to the survivor (orders and their
lines, samples, timeline activities with their idempotency keys, audit entries), joins
their tags and stores, keeps the import fingerprint the survivor lacks, points saved views
at the survivor, recounts the survivor's figures and rollups, and records one audit entry.
It keeps in ``merges.snapshot`` what undoing needs: the merged customers' rows as stored,
the survivor's values before, and the ids of every row that moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from sqlalchemy import Connection, Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from patronage.customers import access, matching, writes
from patronage.customers.models import AuditEntry, Customer, CustomerStore, CustomerTag, SavedView
from patronage.customers.rules import display_name
from patronage.customers.writes import Actor, Writer, jsonable, snapshot
from patronage.db import as_utc, begin_writing, utcnow
from patronage.duplicates import kept
from patronage.duplicates.models import DuplicateDismissal
from patronage.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from patronage.events import derived
from patronage.events.models import Activity, Order, OrderLine, Sample
from patronage.imports.models import ImportFingerprint
from patronage.merges import plan, redirects
from patronage.merges.codes import MergeCode
from patronage.merges.models import CustomerRedirect, Merge, MergedKey
from patronage.merges.snapshot import decode, encode
from patronage.reports import rollups
from patronage.tenancy.schemas import Principal
from patronage.types import email_key

UNDO_DAYS = 30
MAX_MERGED = 20  # customers merged into one at a time
_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
# The history that moves with its customer, by customer_id: kind -> table.
HISTORY: dict[str, Table] = {
    "orders": Order.__table__, "order_lines": OrderLine.__table__,  # type: ignore[dict-item]
    "samples": Sample.__table__, "activities": Activity.__table__,  # type: ignore[dict-item]
    "audit_entries": AuditEntry.__table__,  # type: ignore[dict-item]
}
# Figures a merge adds up (the rest are recounted from the history that moved).
_SUMMED = ("imported_order_count", "imported_spent_cents", "sample_count")
_LATEST = ("last_activity_at", "last_login_at", "totals_imported_at", "last_order_at")
_EARLIEST = ("first_order_at",)


def _rows(conn: Connection, tenant_id: int, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Customers as stored (every column), locked until commit on PostgreSQL."""
    query = (select(_CUSTOMERS).where(_CUSTOMERS.c.tenant_id == tenant_id,
                                      _CUSTOMERS.c.id.in_(sorted(set(ids))))
             .order_by(_CUSTOMERS.c.id))
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return {row["id"]: dict(row) for row in conn.execute(query).mappings()}


def _by_customer(conn: Connection, column: Any, key: Any, tenant_id: int,
                 ids: Iterable[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    table = column.table
    for cid, value in conn.execute(select(key, column).where(
            table.c.tenant_id == tenant_id, key.in_(sorted(set(ids)))).order_by(key, column)):
        out.setdefault(cid, []).append(value)
    return out


def _tags(conn: Connection, tenant_id: int, ids: Iterable[int]) -> dict[int, list[str]]:
    t = CustomerTag.__table__.c
    return _by_customer(conn, t.tag, t.customer_id, tenant_id, ids)


def _stores(conn: Connection, tenant_id: int, ids: Iterable[int]) -> dict[int, list[int]]:
    s = CustomerStore.__table__.c
    return _by_customer(conn, s.store_id, s.customer_id, tenant_id, ids)


def _history_ids(conn: Connection, tenant_id: int, ids: Sequence[int]
                 ) -> dict[int, dict[str, list[int]]]:
    """For each customer, the ids of its rows of each kind of history."""
    out: dict[int, dict[str, list[int]]] = {cid: {} for cid in ids}
    for kind, table in HISTORY.items():
        for cid, rows in _by_customer(conn, table.c.id, table.c.customer_id, tenant_id,
                                      ids).items():
            out[cid][kind] = rows
    return out


def _dict_rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]


def _view_ids(query: str) -> list[int]:
    """The customer ids a saved view's query names (``id=3,5`` or repeated)."""
    out = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "id":
            out += [int(v) for v in value.split(",") if v.strip().isdigit()]
    return out


def _view_pointed(query: str, merged: set[int], survivor: int) -> str:
    """A saved view's query with the merged customers' ids replaced by the survivor's."""
    pairs = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "id":
            ids = [survivor if v.strip().isdigit() and int(v) in merged else v.strip()
                   for v in value.split(",")]
            value = ",".join(dict.fromkeys(str(i) for i in ids))
        pairs.append((name, value))
    return urlencode(pairs, quote_via=quote, safe=",")


def _access(session: Session, principal: Principal, rows: Iterable[Mapping[str, Any]]
            ) -> None:
    for row in rows:
        access.require_editor(session, principal, SimpleNamespace(**row))


def _keys_of(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every key events find a customer by (customers.matching's rules)."""
    keys = []
    if row["type"] == "business" and row["license_key"]:
        keys.append(("license_number", row["license_key"]))
    if row["external_id"]:
        keys.append(("external_id", row["external_id"]))
    if row["email"]:
        keys.append(("email", email_key(row["email"])))
    if row["phone"]:
        keys.append(("phone", row["phone"]))
    return keys


def _check_request(survivor_id: int, duplicate_ids: Sequence[int],
                   keep: Mapping[str, int]) -> None:
    errors = []
    if not duplicate_ids or len(set(duplicate_ids)) != len(duplicate_ids) \
            or survivor_id in duplicate_ids or len(duplicate_ids) > MAX_MERGED:
        raise ValidationFailed.field(
            "duplicate_ids", f"Name 1 to {MAX_MERGED} other customers, each once, not the "
            "survivor itself.", MergeCode.INVALID_MERGE)
    every = {survivor_id, *duplicate_ids}
    for field, source in keep.items():
        if field not in plan.KEPT:
            errors.append(ValidationFailed.field(f"keep/{field}", f"'{field}' is not a field "
                                                 "a merge keeps from one customer.",
                                                 MergeCode.UNKNOWN_FIELD))
        elif source not in every:
            errors.append(ValidationFailed.field(f"keep/{field}", f"Customer #{source} is "
                                                 "not one of the customers merged.",
                                                 MergeCode.NOT_IN_MERGE))
    if errors:
        raise ValidationFailed.of([e for err in errors for e in err.errors])


def preview(session: Session, tenant_id: int, survivor_id: int, duplicate_ids: Sequence[int]
            ) -> tuple[dict[int, dict[str, Any]], dict[str, int]]:
    """The customers of a merge as stored, and whose value each field keeps by default."""
    _check_request(survivor_id, duplicate_ids, {})
    conn = session.connection()
    rows = {r["id"]: dict(r) for r in conn.execute(select(_CUSTOMERS).where(
        _CUSTOMERS.c.tenant_id == tenant_id,
        _CUSTOMERS.c.id.in_([survivor_id, *duplicate_ids]))).mappings()}
    for cid in (survivor_id, *duplicate_ids):
        if cid not in rows:
            raise redirects.no_customer(conn, tenant_id, cid)
    return rows, plan.defaults(list(rows.values()), survivor_id)


def merge(session: Session, principal: Principal, survivor_id: int,
          duplicate_ids: Sequence[int], keep: Mapping[str, int] | None = None,
          versions: Mapping[int, int] | None = None, source: str = "api") -> int:
    """Merge ``duplicate_ids`` into ``survivor_id`` (``keep``: field -> the customer whose
    value it keeps; ``versions``: id -> the version staff saw, refused if moved on).
    Returns the merge's id."""
    return writes.answered(session, lambda: _merge(session, principal, survivor_id, duplicate_ids,
                                            keep, versions, source))


def _merge(session: Session, principal: Principal, survivor_id: int,
           duplicate_ids: Sequence[int], keep: Mapping[str, int] | None,
           versions: Mapping[int, int] | None, source: str) -> int:
    keep = dict(keep or {})
    _check_request(survivor_id, duplicate_ids, keep)
    tenant = principal.tenant_id
    begin_writing(session)
    conn = session.connection()
    dups = list(duplicate_ids)
    rows = _rows(conn, tenant, [survivor_id, *dups])
    if survivor_id not in rows:
        raise redirects.no_customer(conn, tenant, survivor_id)
    for cid in dups:
        if cid not in rows:
            into = redirects.survivor_of(conn, tenant, cid)
            raise NotFound(f"No customer with id {cid}" + (
                f": it was merged into customer #{into}." if into else "."))
    _access(session, principal, rows.values())
    for cid, version in (versions or {}).items():
        if cid in rows and rows[cid]["version"] != version:
            raise PreconditionFailed(
                f"Customer #{cid} was changed since you read it (version {version}, now "
                f"{rows[cid]['version']}). Reload and merge again.",
                extra={"customer_id": cid, "current_version": rows[cid]["version"]})

    survivor = rows[survivor_id]
    sources = plan.defaults(list(rows.values()), survivor_id) | keep
    changes = {f: v for f, v in plan.values(list(rows.values()), sources).items()
               if v != survivor[f]}
    if "subscription" in changes:  # consent dated when it was given (kept for an undo)
        changes["subscribed_at"] = rows[sources["subscription"]]["subscribed_at"]
    _check_result(session, tenant, {**survivor, **changes,
                                    "license_key": rows[sources["license_number"]]["license_key"]},
                  set(rows))
    tags = _tags(conn, tenant, rows)
    stores = _stores(conn, tenant, rows)
    joined = sorted({t for names in tags.values() for t in names})
    tags_added = [t for t in joined if t not in tags.get(survivor_id, [])]
    if tags_added:
        changes["tags"] = joined
    stores_added = sorted({s for cid in dups for s in stores.get(cid, [])}
                          - set(stores.get(survivor_id, [])))
    moved = _history_ids(conn, tenant, dups)
    f = ImportFingerprint.__table__
    prints = {r["customer_id"]: r for r in _dict_rows(conn, select(f).where(
        f.c.tenant_id == tenant, f.c.customer_id.in_(list(rows))))}
    taken_print = next((cid for cid in dups if cid in prints), None) \
        if survivor_id not in prints else None
    d = DuplicateDismissal.__table__
    dismissals = _dict_rows(conn, select(d).where(d.c.tenant_id == tenant, or_(
        d.c.low_id.in_(dups), d.c.high_id.in_(dups))))
    v = SavedView.__table__
    views = [(vid, query, _view_pointed(query, set(dups), survivor_id))
             for vid, query in conn.execute(select(v.c.id, v.c.query).where(
                 v.c.tenant_id == tenant, v.c.query.like("%id=%")))
             if set(_view_ids(query)) & set(dups)]

    counts = {kind: sum(len(moved[c].get(kind, [])) for c in dups) for kind in HISTORY}
    counts |= {"tags": len(tags_added), "stores": len(stores_added),
               "import_fingerprints": int(taken_print is not None), "saved_views": len(views)}
    record = Merge(
        tenant_id=tenant, survivor_id=survivor_id, merged_ids=dups, user_id=principal.user_id,
        actor=principal.email, merged_at=utcnow(), moved=counts, snapshot={
            "survivor": encode(survivor), "survivor_tags": tags.get(survivor_id, []),
            "merged": [{"row": encode(rows[c]), "tags": tags.get(c, []),
                        "stores": stores.get(c, []), "history": moved[c],
                        "fingerprint": encode(prints[c]) if c in prints else None}
                       for c in dups],
            "changes": {k: [jsonable(survivor[k]) if k != "tags" else tags.get(survivor_id, []),
                            jsonable(val)] for k, val in changes.items()},
            "tags_added": tags_added, "stores_added": stores_added,
            "fingerprint_taken": taken_print,
            "dismissals": [encode(r) for r in dismissals],
            "views": [[vid, before, after] for vid, before, after in views],
            "key_holders": _email_phone_holders(conn, tenant, [rows[c] for c in dups],
                                                set(rows))})
    session.add(record)
    session.flush()

    # History, stores, a fingerprint and saved views move to the survivor...
    for table in HISTORY.values():
        conn.execute(update(table).where(table.c.tenant_id == tenant,
                                         table.c.customer_id.in_(dups))
                     .values(customer_id=survivor_id))
    derived.add_stores(conn, tenant, [(survivor_id, s) for s in stores_added])
    if taken_print is not None:
        conn.execute(update(f).where(f.c.tenant_id == tenant, f.c.customer_id == taken_print)
                     .values(customer_id=survivor_id))
    for vid, _before, after in views:
        conn.execute(update(v).where(v.c.tenant_id == tenant, v.c.id == vid)
                     .values(query=after))
    # ... the merged customers go (their rollups with them: the survivor's are renewed) ...
    writer = Writer(session, Actor(principal, source))
    writer.delete(dups, audit=False)
    # ... and the survivor keeps the chosen values and adds up the figures.
    others = [rows[c] for c in dups]
    figures = {k: survivor[k] + sum(o[k] for o in others) for k in _SUMMED}
    for keys, pick in ((_LATEST, max), (_EARLIEST, min)):
        for k in keys:
            figures[k] = pick((r[k] for r in (survivor, *others) if r[k] is not None),
                              key=as_utc, default=None)
    current = {**survivor, "tags": tags.get(survivor_id, [])}
    writer.update([(current, {**changes, **figures})], audit=False)
    conn.execute(insert(CustomerRedirect.__table__), [
        {"tenant_id": tenant, "merged_id": c, "survivor_id": survivor_id,
         "merge_id": record.id} for c in dups])
    keys = {(rule, key) for o in others for rule, key in _keys_of(o)}
    if keys:
        conn.execute(insert(MergedKey.__table__), [
            {"tenant_id": tenant, "rule": rule, "key": key, "merge_id": record.id,
             "customer_id": survivor_id} for rule, key in sorted(keys)])
    derived.recount(conn, tenant, [survivor_id])
    rollups.refresh(conn, tenant, [survivor_id])
    # The survivor as the merge left it: an undo reverts only what is still so.
    record.snapshot = {**record.snapshot,
                       "after": encode(_rows(conn, tenant, [survivor_id])[survivor_id])}
    writer.record(survivor_id, "merged",
                  old={"customers": [{"id": o["id"], **snapshot(o, tags.get(o["id"], []))}
                                     for o in others]},
                  new={"merge_id": record.id, "kept": {k: jsonable(val)
                                                       for k, val in changes.items()},
                       "moved": counts})
    kept.refresh(conn, tenant, [survivor_id])
    session.commit()
    return record.id


def _check_result(session: Session, tenant_id: int, values: Mapping[str, Any],
                  participants: set[int]) -> None:
    """The customer a merge would leave must be one the workspace can hold: someone to
    call it by, a business with its name or license, and keys no other customer holds."""
    if not any(values.get(f) for f in ("company_name", "first_name", "last_name", "email",
                                       "phone", "license_key", "external_id")):
        raise ValidationFailed.field("keep", "Keep a name, email, phone, license number or "
                                     "external id: the customer kept would have none.",
                                     MergeCode.INVALID_MERGE)
    if values["type"] == "business" and not (values.get("company_name")
                                             or values.get("license_key")):
        raise ValidationFailed.field("keep/company_name", "A business needs its company name "
                                     "or license number: keep one of them.",
                                     MergeCode.INVALID_MERGE)
    keys = writes.unique_keys(values)
    found = writes.holders(session, tenant_id, {f: [k] for f, k in keys.items()})
    for field, key in keys.items():
        holder = found[field].get(key)
        if holder is not None and holder.id not in participants:
            raise writes.taken(field, holder, pointer="/keep")


def _email_phone_holders(conn: Connection, tenant_id: int, merged: list[dict[str, Any]],
                         participants: set[int]) -> dict[str, list[int]]:
    """Who else holds the merged customers' emails and phones now (``rule:key`` -> ids):
    whoever takes one later is told apart from them at undo."""
    out = {}
    for row in merged:
        for rule, key in _keys_of(row):
            if rule in ("email", "phone"):
                found = {cid for _key, cid in conn.execute(matching.probe(rule, tenant_id,
                                                                          [key]))}
                out[f"{rule}:{key}"] = sorted(found - participants)
    return out


def _refused(detail: str, code: MergeCode) -> Conflict:
    error = Conflict(detail)
    error.code = code.value
    return error


def get(session: Session, tenant_id: int, merge_id: int, *, lock: bool = False) -> Merge:
    """A merge of the workspace; ``lock``: held until commit on PostgreSQL (two undos of
    one merge go one after the other)."""
    query = select(Merge).where(Merge.tenant_id == tenant_id, Merge.id == merge_id)
    if lock and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"No merge with id {merge_id}.")
    return found


def undo_until(m: Merge) -> Any:
    return as_utc(m.merged_at) + timedelta(days=UNDO_DAYS)


def undoable(m: Merge) -> bool:
    return m.undone_at is None and utcnow() < undo_until(m)


_WORDS = {"license_number": "license number", "external_id": "external id",
          "email": "email", "phone": "phone"}


def _holder_of(conn: Connection, tenant_id: int, rule: str, key: str, others_than: set[int]
               ) -> Any:
    """The oldest customer but ``others_than`` found by ``key`` (as events find them):
    (id, its name parts), or None."""
    c = _CUSTOMERS.c
    query = matching.probe(rule, tenant_id, [key]).where(c.id.not_in(others_than)) \
        .add_columns(c.company_name, c.first_name, c.last_name, c.email, c.phone)
    row = conn.execute(query.limit(1)).first()
    return row[1:] if row is not None else None


def _reused(conn: Connection, m: Merge, merged: list[dict[str, Any]],
            survivor_after: Mapping[str, Any]) -> str | None:
    """Why the customers cannot have their keys back, if another customer (or the survivor,
    after a later edit) has taken one since the merge: a merged customer's key, or a unique
    key the survivor would get back."""
    holders = m.snapshot.get("key_holders", {})
    still = dict(_keys_of(survivor_after))
    for row in merged:
        for rule, key in _keys_of(row):
            if rule in ("license_number", "external_id") and still.get(rule) == key:
                return (f"Customer #{m.survivor_id} holds the {_WORDS[rule]} of customer "
                        f"#{row['id']} ({key}) since the merge: change it there first.")
            had = set(holders.get(f"{rule}:{key}", [])) if rule in ("email", "phone") else set()
            holder = _holder_of(conn, m.tenant_id, rule, key, {m.survivor_id, *had})
            if holder is not None:
                return (f"Customer #{holder[0]} ({display_name(*holder[1:])}) was given the "
                        f"{_WORDS[rule]} of customer #{row['id']} ({key}) after the merge: "
                        "change it there first, or keep the merge.")
    for rule, key in _keys_of(survivor_after):
        if rule in ("license_number", "external_id"):
            holder = _holder_of(conn, m.tenant_id, rule, key, {m.survivor_id})
            if holder is not None:
                return (f"Customer #{holder[0]} ({display_name(*holder[1:])}) has the "
                        f"{_WORDS[rule]} customer #{m.survivor_id} had before the merge "
                        f"({key}): change it there first, or keep the merge.")
    return None


def _reverts(snap: Mapping[str, Any], survivor: Mapping[str, Any],
             before: Mapping[str, Any]) -> dict[str, Any]:
    """The survivor's values the merge set that go back: each field (an address, a license
    or a name as a whole) only while it is still as the merge left it."""
    after = snap["after"]
    out: dict[str, Any] = {}
    for field in snap["changes"]:
        if field == "tags" or field not in after:
            continue
        group = plan.GROUPS.get(plan.FOLLOWS.get(field, field), (field,))
        if all(jsonable(survivor[f]) == after[f] for f in group):
            out[field] = before[field]
    return out


def undo(session: Session, principal: Principal, merge_id: int, source: str = "api"
         ) -> Merge:
    """Put the merged customers back with exactly their own fields and history; what
    happened to the survivor since the merge stays with the survivor."""
    return writes.answered(session, lambda: _undo(session, principal, merge_id, source))


def _undo(session: Session, principal: Principal, merge_id: int, source: str) -> Merge:
    tenant = principal.tenant_id
    begin_writing(session)
    conn = session.connection()
    m = get(session, tenant, merge_id, lock=True)
    if m.undone_at is not None:
        raise _refused(f"Merge {merge_id} was undone already ({m.undone_by}).",
                       MergeCode.ALREADY_UNDONE)
    if not undoable(m):
        raise _refused(f"Merge {merge_id} is more than {UNDO_DAYS} days old: it can no "
                       "longer be undone.", MergeCode.UNDO_EXPIRED)
    snap = m.snapshot
    survivor_id, dups = m.survivor_id, list(m.merged_ids)
    rows = _rows(conn, tenant, [survivor_id, *dups])
    if survivor_id not in rows:
        into = redirects.survivor_of(conn, tenant, survivor_id)
        raise _refused(f"Customer #{survivor_id} " + (
            f"was merged into customer #{into} since: undo that merge first." if into
            else "was deleted since: the merge can no longer be undone."),
            MergeCode.SURVIVOR_GONE)
    survivor = rows[survivor_id]
    merged = [decode(_CUSTOMERS, item["row"]) for item in snap["merged"]]
    _access(session, principal, [survivor, *merged])  # who may edit all of them
    back = [cid for cid in dups if cid in rows]
    if back:
        raise _refused(f"Customer id {back[0]} is in use again: the merge cannot be undone.",
                       MergeCode.KEY_REUSED)

    before = decode(_CUSTOMERS, snap["survivor"])
    after = decode(_CUSTOMERS, snap["after"])
    reverts = _reverts(snap, survivor, before)
    kept_now = {**survivor, **reverts}
    if "license_number" in reverts:
        kept_now["license_key"] = before["license_key"]
    reason = _reused(conn, m, merged, kept_now)
    if reason is not None:
        raise _refused(reason, MergeCode.KEY_REUSED)

    # First the survivor (freeing the keys it took): its own values back where the merge
    # set them, and its figures where nothing changed them since (events are recounted).
    tags_now = _tags(conn, tenant, [survivor_id]).get(survivor_id, [])
    changes = dict(reverts)
    if any(t in tags_now for t in snap["tags_added"]):
        changes["tags"] = [t for t in tags_now if t not in snap["tags_added"]]
    for k in (*_SUMMED, *_LATEST, *_EARLIEST):
        if jsonable(survivor[k]) == jsonable(after[k]):
            changes[k] = before[k]
    writer = Writer(session, Actor(principal, source))
    writer.update([({**survivor, "tags": tags_now}, changes)], audit=False)
    # Then the merged customers, their history, stores, fingerprints, dismissals, views.
    writer.restore(merged, {item["row"]["id"]: item["tags"] for item in snap["merged"]})
    for item in snap["merged"]:
        cid = item["row"]["id"]
        for kind, ids in item["history"].items():
            table = HISTORY[kind]
            for start in range(0, len(ids), 5_000):
                conn.execute(update(table).where(
                    table.c.tenant_id == tenant, table.c.customer_id == survivor_id,
                    table.c.id.in_(ids[start:start + 5_000])).values(customer_id=cid))
        derived.add_stores(conn, tenant, [(cid, s) for s in item["stores"]])
    # Stores the merge gave the survivor that no order of its own explains.
    s = CustomerStore.__table__.c
    ordered = select(Order.store_id).where(Order.tenant_id == tenant,
                                           Order.customer_id == survivor_id,
                                           Order.store_id.is_not(None))
    if snap["stores_added"]:
        conn.execute(delete(CustomerStore).where(
            s.tenant_id == tenant, s.customer_id == survivor_id,
            s.store_id.in_(snap["stores_added"]), s.store_id.not_in(ordered)))
    f = ImportFingerprint.__table__
    for item in snap["merged"]:
        if item["fingerprint"] is None:
            continue
        row = decode(f, item["fingerprint"])
        if snap["fingerprint_taken"] == item["row"]["id"]:
            conn.execute(delete(f).where(f.c.tenant_id == tenant,
                                         f.c.customer_id == survivor_id,
                                         f.c.digest == row["digest"]))
        conn.execute(insert(f), [row])
    d = DuplicateDismissal.__table__
    alive = set(dups) | set(conn.scalars(select(Customer.id).where(
        Customer.tenant_id == tenant, Customer.id.in_(
            {x for r in snap["dismissals"] for x in (r["low_id"], r["high_id"])}))))
    restored = [decode(d, r) for r in snap["dismissals"]
                if r["low_id"] in alive and r["high_id"] in alive]
    if restored:
        conn.execute(insert(d), restored)
    v = SavedView.__table__
    for vid, before_query, after_query in snap["views"]:
        conn.execute(update(v).where(v.c.tenant_id == tenant, v.c.id == vid,
                                     v.c.query == after_query).values(query=before_query))
    for model in (CustomerRedirect, MergedKey):
        conn.execute(delete(model).where(model.tenant_id == tenant, model.merge_id == m.id))

    derived.recount(conn, tenant, [survivor_id, *dups])
    rollups.refresh(conn, tenant, [survivor_id, *dups])
    stayed = sorted(set(snap["changes"]) - set(changes) - {"tags"})
    writer.record(survivor_id, "unmerged", new={
        "merge_id": m.id, "restored": dups, "reverted": sorted(reverts),
        "kept_since": stayed})
    for cid in dups:
        writer.record(cid, "unmerged", new={"merge_id": m.id, "from": survivor_id})
    m.undone_at, m.undone_by = utcnow(), principal.email
    kept.refresh(conn, tenant, [survivor_id, *dups])
    session.commit()
    return m


def undoable_into(session: Session, tenant_id: int, customer_id: int) -> dict[int, Merge]:
    """The merges into a customer that can still be undone, by id (its timeline's
    buttons)."""
    since = utcnow() - timedelta(days=UNDO_DAYS)
    return {m.id: m for m in session.scalars(select(Merge).where(
        Merge.tenant_id == tenant_id, Merge.survivor_id == customer_id,
        Merge.undone_at.is_(None), Merge.merged_at > since))}
