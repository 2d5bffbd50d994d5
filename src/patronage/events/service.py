"""Recording events: a batch of raw events (with their idempotency keys) in one
transaction, retried from what is stored when another writer got there first."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage.customers.writes import Actor
from patronage.db import begin_writing
from patronage.errors import PatronageError
from patronage.events.batch import Batch, Outcome, Pending
from patronage.events.parsing import Parsed, parse

ATTEMPTS = 3


def ingest(session: Session, actor: Actor, items: list[tuple[Any, str | None]]
           ) -> list[Outcome]:
    """Record a batch of events (raw JSON objects with their idempotency keys), in order.

    Each event is checked on its own: a bad one is answered with its problem and leaves no
    trace, the others are written together in one transaction.
    """
    region = actor.principal.tenant_region
    outcomes: list[Outcome | Pending | None] = [None] * len(items)
    parsed: list[Parsed] = []
    for i, (raw, key) in enumerate(items):
        try:
            parsed.append(parse(i, raw, key, region))
        except PatronageError as exc:
            outcomes[i] = Outcome(exc.status, problem=exc)
    for attempt in range(1, ATTEMPTS + 1):
        begin_writing(session)  # no other batch reads these customers before we write
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
