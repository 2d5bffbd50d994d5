"""Events while the database is held (an import committing, on SQLite): kept in the
inbox and answered 202 at once, recorded in order as soon as it is free, idempotent across
the wait, and kept through a kill -9 of the server."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from patronage.events import inbox, service
from patronage.settings import get_settings
from tests.live import _free_port


@pytest.fixture
def sqlite_file(monkeypatch):  # type: ignore[no-untyped-def]
    url = get_settings().database_url
    if not url.startswith("sqlite"):
        pytest.skip("an inbox for SQLite's one writer; PostgreSQL locks rows")
    monkeypatch.setattr(get_settings(), "event_queue_after", 0.2)
    return url.split("///", 1)[1]


@contextmanager
def held(path: str):  # type: ignore[no-untyped-def]
    """Another process holds SQLite's write lock (as an import commits)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _drain(tenant_id: int) -> None:
    """Record what waits (this process's applier may be at it too: then wait for it)."""
    box = inbox.get()
    deadline = time.monotonic() + 30
    while box.waiting(tenant_id):
        if not service.drain():
            assert time.monotonic() < deadline, "the inbox was never drained"
            time.sleep(0.02)


def _order(number: str, status: str = "placed") -> dict:
    return {"type": "order.placed", "occurred_at": "2026-11-20T10:00:00Z",
            "customer": {"license_number": "INBOX-1", "company_name": "Inbox Co"},
            "data": {"number": number, "total": "10.00", "status": status}}


def test_events_while_the_database_is_held_are_kept_then_recorded_in_order(
        client, factory, sqlite_file):
    t = factory.tenant()
    key = {**t.headers, "Idempotency-Key": "in-1"}
    with held(sqlite_file):
        first = client.post("/api/v1/events", json=_order("IN-1"), headers=key)
        assert first.status_code == 202, first.text
        queue_id = first.json()["queue_id"]
        assert first.json()["status"] == "queued" and "Idempotency-Key" in first.json()["detail"]
        again = client.post("/api/v1/events", json=_order("IN-1"), headers=key)
        assert (again.status_code, again.json()["queue_id"]) == (202, queue_id)
        other = client.post("/api/v1/events", json=_order("IN-X"), headers=key)
        assert other.status_code == 409  # the key, reused for another event
        batch = client.post("/api/v1/events:batch", headers=t.headers, json={"events": [
            {**_order("IN-1", "cancelled"), "type": "order.status_changed",
             "data": {"number": "IN-1", "status": "cancelled"}, "idempotency_key": "in-2"},
            {"type": "order.placed", "occurred_at": "not a time", "customer": {},
             "data": {}, "idempotency_key": "in-3"},
            {"type": "sample.requested", "occurred_at": "2026-11-21T10:00:00Z",
             "customer": {"license_number": "INBOX-1"}, "data": {"products": ["Gummies"]}}]})
        body = batch.json()
        assert [r["status"] for r in body["results"]] == [202, 422, 202]
        assert (body["queued"], body["failed"], body["recorded"]) == (2, 1, 0)
    # Free again, but events of this workspace still wait: a new one joins the line.
    late = client.post("/api/v1/events", headers={**t.headers, "Idempotency-Key": "in-4"},
                       json=_order("IN-4"))
    assert late.status_code == 202
    _drain(t.id)
    done = client.post("/api/v1/events", json=_order("IN-1"), headers=key)
    assert done.status_code == 200, done.text
    customer = client.get(f"/api/v1/customers/{done.json()['customer_id']}",
                          headers=t.headers).json()
    # In order: IN-1 placed then cancelled, the sample, then IN-4.
    assert (customer["order_count"], customer["sample_count"]) == (1, 1)
    assert customer["total_spent"] == "10.00"
    items = client.get(f"/api/v1/customers/{customer['id']}/activities",
                       headers=t.headers).json()["items"]
    recorded = sorted((int(e["id"][1:]), e["subject"]) for e in items if e["source"] == "event")
    assert [subject for _id, subject in recorded] == [  # recorded in the order received
        "Order IN-1", "Order IN-1: cancelled", "Sample request", "Order IN-4"]
    now = client.post("/api/v1/events", headers={**t.headers, "Idempotency-Key": "in-5"},
                      json=_order("IN-5"))
    assert now.status_code == 201  # nothing waits: recorded at once again


def test_a_kept_event_refused_when_recorded_answers_its_problem_to_a_repeat(
        client, factory, sqlite_file):
    t = factory.tenant()
    key = {**t.headers, "Idempotency-Key": "dup-2"}
    assert client.post("/api/v1/events", json=_order("DUP"), headers={
        **t.headers, "Idempotency-Key": "dup-1"}).status_code == 201
    with held(sqlite_file):
        assert client.post("/api/v1/events", json=_order("DUP"), headers=key).status_code == 202
    _drain(t.id)
    refused = client.post("/api/v1/events", json=_order("DUP"), headers=key)
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert "already recorded" in refused.json()["detail"]


def test_a_kept_event_survives_a_kill_9_of_the_server(factory, sqlite_file):
    t = factory.tenant()
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "patronage.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    env = {**os.environ, "EVENT_QUEUE_AFTER": "0.2"}
    base = f"http://127.0.0.1:{port}"
    key = {**t.headers, "Idempotency-Key": "kill-1"}

    def up(proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    server = subprocess.Popen(command, env=env)
    try:
        up(server)
        with held(sqlite_file):
            kept = httpx.post(f"{base}/api/v1/events", json=_order("KILL-1"), headers=key)
            assert kept.status_code == 202, kept.text
            os.kill(server.pid, signal.SIGKILL)  # nothing is shut down in order
            server.wait()
    finally:
        if server.poll() is None:
            server.kill()
    server = subprocess.Popen(command, env=env)  # its applier finds the event waiting
    try:
        up(server)
        deadline = time.monotonic() + 30
        while True:
            answer = httpx.post(f"{base}/api/v1/events", json=_order("KILL-1"), headers=key)
            if answer.status_code == 200:
                break
            assert answer.status_code == 202 and time.monotonic() < deadline, answer.text
            time.sleep(0.05)
        customer = httpx.get(f"{base}/api/v1/customers/{answer.json()['customer_id']}",
                             headers=t.headers).json()
        assert customer["order_count"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
