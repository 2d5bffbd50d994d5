"""Recording events: a batch of raw events (with their idempotency keys) in one
transaction, retried from what is stored when another writer got there first; on SQLite,
kept in the events inbox when the database is held by another writer (an import
committing) and recorded from there in order (events.inbox)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage.customers.writes import Actor
from patronage.db import begin_writing, bind_tenant, session_scope
from patronage.errors import Busy, PatronageError, StoredProblem
from patronage.events import inbox
from patronage.events.batch import Batch, Outcome, Pending, checked, recorded, repeated, reused
from patronage.events.parsing import Parsed
from patronage.events.schemas import EventResult
from patronage.settings import get_settings
from patronage.tenancy import service as tenancy

ATTEMPTS = 3


def ingest(session: Session, actor: Actor, items: list[tuple[Any, str | None]],
           lock_timeout: float | None = None) -> list[Outcome]:
    """Record a batch of events (raw JSON objects with their idempotency keys), in order.

    Each event is checked on its own: a bad one is answered with its problem and leaves no
    trace, the others are written together in one transaction.
    """
    outcomes: list[Outcome | Pending | None]
    outcomes, parsed = checked(items, actor.principal.tenant_region)  # type: ignore[assignment]
    for attempt in range(1, ATTEMPTS + 1):
        begin_writing(session, lock_timeout)  # no other batch reads these customers first
        batch = Batch(session, actor, parsed)
        results = list(outcomes)
        for p in parsed:
            try:
                results[p.index] = batch.apply(p)
            except PatronageError as exc:
                results[p.index] = Outcome(exc.status, problem=exc)
        try:
            batch.write()
            session.commit()
            break
        except IntegrityError:
            # Another process created the same customer or recorded the same key meanwhile
            # (PostgreSQL; SQLite batches never overlap): start again from what is stored.
            session.rollback()
            if attempt == ATTEMPTS:
                raise
    outcomes = results
    answered: list[Outcome] = []
    first = set()
    for o in outcomes:
        if isinstance(o, Pending):
            repeat = id(o) in first
            first.add(id(o))
            answered.append(Outcome(200 if repeat else 201, o.result()))
        else:
            assert o is not None
            answered.append(o)
    return answered


def record(session: Session, actor: Actor, items: list[tuple[Any, str | None]]
           ) -> list[Outcome]:
    """Record events now; on SQLite, when the database stays held by another writer past
    EVENT_QUEUE_AFTER (or events of the workspace already wait), keep them in the inbox,
    answered 202, to be recorded in order."""
    box = inbox.get()
    if box is None:
        return ingest(session, actor, items)
    if not box.waiting(actor.tenant_id):
        try:
            return ingest(session, actor, items, get_settings().event_queue_after)
        except Busy:
            session.rollback()
    return keep(session, actor, items, box)


def keep(session: Session, actor: Actor, items: list[tuple[Any, str | None]],
         box: inbox.Inbox) -> list[Outcome]:
    """Check each event as ``ingest`` would (a bad one is answered with its problem), answer
    a key already recorded or queued as before, and keep the rest in the inbox."""
    tenant = actor.tenant_id
    outcomes, parsed = checked(items, actor.principal.tenant_region)
    stored = recorded(session.connection(), tenant, {p.key for p in parsed if p.key})
    session.rollback()  # a read: nothing held while the inbox is written
    waiting: list[Parsed] = []
    seen: dict[str, str] = {}  # keys earlier in this batch: their fingerprints
    for p in parsed:
        earlier = stored.get(p.key) if p.key else None
        kept = box.find(tenant, p.key) if p.key and earlier is None else None
        said = (earlier.fingerprint if earlier is not None
                else kept.fingerprint if kept is not None
                else seen.get(p.key) if p.key else None)
        if said is not None and said != p.fingerprint:
            outcomes[p.index] = Outcome(409, problem=reused(p.key))
        elif earlier is not None:  # recorded before the import began: as ever, 200
            outcomes[p.index] = repeated(earlier)
        elif kept is not None and kept.status != "queued":  # recorded from the inbox
            outcomes[p.index] = _answered(kept.status_code or 500, kept.answer or "{}")
        else:  # new, or waiting already (put answers its queue id)
            waiting.append(p)
            if p.key:
                seen[p.key] = p.fingerprint
    ids = box.put(tenant, actor.principal.user_id, actor.source,
                  [(p.key, p.fingerprint, items[p.index][0]) for p in waiting])
    for p, queue_id in zip(waiting, ids, strict=True):
        outcomes[p.index] = Outcome(202, queued=queue_id)
    return [o for o in outcomes if o is not None]


def _answered(code: int, answer: str) -> Outcome:
    """What an inbox entry was answered when it was recorded (a repeat of its key)."""
    body = json.loads(answer)
    if code < 400:
        return Outcome(200, EventResult.model_validate(body))
    return Outcome(code, problem=StoredProblem(detail=str(body.get("detail", "")), body=body))


def drain(limit: int = 1000) -> int:
    """Record the oldest waiting events of the inbox, in order; how many were taken (0:
    none waiting, or the database is still held)."""
    box = inbox.get()
    if box is None:
        return 0
    entries = box.claim(limit)
    if not entries:
        return 0
    first = entries[0]
    with session_scope() as session:
        principal = tenancy.principal_for(session, tenant_id=first.tenant_id,
                                          user_id=first.user_id, removed_too=True)
        if principal is None:  # the workspace is gone
            box.answer([(e, 410, {"detail": "The workspace no longer exists."})
                        for e in entries])
            return len(entries)
        bind_tenant(session, first.tenant_id)
        try:
            outcomes = ingest(session, Actor(principal, first.source),
                              [(e.body, box.key_for(e)) for e in entries],
                              get_settings().event_queue_after)  # never hog the lock's line
        except Busy:
            box.release(entries)
            return 0
    box.answer([(e, o.status, o.result.model_dump(mode="json") if o.result is not None
                 else o.problem.problem(None) if o.problem is not None else {})
                for e, o in zip(entries, outcomes, strict=True)])
    return len(entries)
