"""PostgreSQL: an event that waits on a customer's lock while a merge (or its undo) commits
finds the customer its keys name once it gets the lock. The merge is held open at a known
point, and the event is let go once the database shows it waiting on a lock: no timing."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from patronage.db import get_engine
from patronage.duplicates import kept
from tests.events.test_events import URL, order

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite"),
                                reason="row locks: PostgreSQL (SQLite writers take turns)")


def _held(monkeypatch: Any) -> dict[str, threading.Event]:
    """The next merge or undo stops after its writes, before it commits, until ``go``."""
    real = kept.refresh
    state = {"ready": threading.Event(), "go": threading.Event()}

    def refresh(conn, tenant, ids):  # type: ignore[no-untyped-def]
        found = real(conn, tenant, ids)
        if not state["ready"].is_set():
            state["ready"].set()
            assert state["go"].wait(60)
        return found

    monkeypatch.setattr(kept, "refresh", refresh)
    return state


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.setdefault("response", work()))
    thread.start()
    return thread, out


def _until_a_lock_is_awaited() -> None:
    """Return once some transaction waits on a row lock (the event behind the merge)."""
    deadline = time.monotonic() + 60
    with get_engine().connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return
            conn.rollback()
            time.sleep(0.01)
    raise AssertionError("the event never waited on the merge's lock")


def test_an_event_waiting_on_a_customer_being_merged_lands_on_the_survivor(
        client, factory, monkeypatch):
    t = factory.tenant()
    kept_one = factory.customer(t, license_number="LS-1")
    merged_one = factory.customer(t, license_number="LD-1")
    held = _held(monkeypatch)
    merging, merge_out = _in_thread(lambda: client.post(
        f"/api/v1/customers/{kept_one['id']}/merge", headers=t.headers,
        json={"duplicate_ids": [merged_one["id"]]}))
    assert held["ready"].wait(60)
    sending, event_out = _in_thread(lambda: client.post(
        URL, headers=t.headers, json=order("R-1", license_number="LD-1")))
    _until_a_lock_is_awaited()
    held["go"].set()
    merging.join(60), sending.join(60)
    assert merge_out["response"].status_code == 200
    event = event_out["response"]
    assert event.status_code == 201, event.text
    assert event.json()["customer_id"] == kept_one["id"]


def test_an_event_waiting_on_the_survivor_during_an_undo_lands_on_the_restored_customer(
        client, factory, monkeypatch):
    t = factory.tenant()
    kept_one = factory.customer(t, license_number="LS-2")
    merged_one = factory.customer(t, license_number="LD-2")
    made = client.post(f"/api/v1/customers/{kept_one['id']}/merge", headers=t.headers,
                       json={"duplicate_ids": [merged_one["id"]]}).json()
    held = _held(monkeypatch)
    undoing, undo_out = _in_thread(lambda: client.post(
        f"/api/v1/merges/{made['merge_id']}:undo", headers=t.headers))
    assert held["ready"].wait(60)
    sending, event_out = _in_thread(lambda: client.post(
        URL, headers=t.headers, json=order("R-2", license_number="LD-2")))
    _until_a_lock_is_awaited()
    held["go"].set()
    undoing.join(60), sending.join(60)
    assert undo_out["response"].status_code == 200
    assert event_out["response"].json()["customer_id"] == merged_one["id"]
