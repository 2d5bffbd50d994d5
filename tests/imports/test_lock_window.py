"""An import holds the write lock only to write what it decided: while it reads, converts,
validates and matches, the storefront and staff write as usual. What they change meanwhile
is never overwritten or duplicated: the import notices under the lock and reads the file
again holding it ("rechecking")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from patronage.customers.models import AuditEntry
from patronage.db import BULK_CACHE_KIB
from patronage.imports import service
from tests.imports.test_import import listed, run


def while_reading(action: Callable[[], None]) -> tuple[list[str], Callable[..., None]]:
    """A progress callback that runs ``action`` once, after the first chunk is decided."""
    stages: list[str] = []

    def progress(rows: int, read: int, stage: str) -> None:
        stages.append(stage)
        if stage == "reading" and stages.count("reading") == 1:
            action()
    return stages, progress


def test_others_write_while_the_file_is_read(client, factory, session):
    t = factory.tenant()
    other = factory.customer(t, company_name="Elsewhere Co")
    answers = []

    def edit() -> None:
        answers.append(client.patch(f"/api/v1/customers/{other['id']}", json={"city": "Reno"},
                                    headers={**t.headers, "If-Match": "*"}).status_code)
    stages, progress = while_reading(edit)
    report = run(factory, session, t, "Company,License #\nNew Co,NEW-1\n", progress=progress)
    assert answers == [200]  # not kept waiting: the import held no lock
    assert stages == ["reading", "waiting", "finishing"]  # nothing it read had changed
    assert report.created == 1 and {c["city"] for c in listed(client, t)["items"]} == {
        "Reno", None}


def test_a_customer_made_meanwhile_with_a_key_of_the_file_is_matched_not_duplicated(
        client, factory, session):
    t = factory.tenant()

    def sign_up() -> None:
        factory.shopper(t, last_name="Early", email="ana@example.com")
    stages, progress = while_reading(sign_up)
    report = run(factory, session, t, "First Name,Last Name,Email\nAna,Silva,ana@example.com\n",
                 progress=progress)
    assert "rechecking" in stages
    assert (report.created, report.updated) == (0, 1)
    (only,) = listed(client, t)["items"]
    assert (only["last_name"], only["email"]) == ("Silva", "ana@example.com")


def test_a_customer_changed_meanwhile_is_changed_again_not_overwritten(client, factory,
                                                                       session):
    t = factory.tenant()
    shop = factory.customer(t, company_name="Green Leaf", license_number="GL-1",
                            city="Oakland", phone="+14155550100")

    def edit() -> None:
        assert client.patch(f"/api/v1/customers/{shop['id']}", json={
            "city": "Reno", "phone": "+14155550199"},
            headers={**t.headers, "If-Match": "*"}).status_code == 200
    stages, progress = while_reading(edit)
    report = run(factory, session, t, "Company,License #,City\nGreen Leaf,GL-1,Denver\n",
                 progress=progress)
    assert "rechecking" in stages and report.updated == 1
    now = client.get(f"/api/v1/customers/{shop['id']}", headers=t.headers).json()
    assert (now["city"], now["phone"]) == ("Denver", "+14155550199")  # the edit's phone kept
    city = session.scalars(select(AuditEntry).where(
        AuditEntry.tenant_id == t.id, AuditEntry.customer_id == shop["id"],
        AuditEntry.field == "city", AuditEntry.source == "import")).one()
    assert (city.old_value, city.new_value) == ("Reno", "Denver")


def test_a_key_taken_meanwhile_by_an_existing_customer_is_decided_again(client, factory,
                                                                        session):
    t = factory.tenant()
    holder = factory.customer(t, company_name="Holder Inc")

    def take() -> None:
        assert client.patch(f"/api/v1/customers/{holder['id']}", json={
            "external_id": "EXT-9"}, headers={**t.headers, "If-Match": "*"}).status_code == 200
    stages, progress = while_reading(take)
    caches = []

    def watched(rows: int, read: int, stage: str) -> None:
        progress(rows, read, stage)
        if stage == "rechecking" and session.get_bind().dialect.name == "sqlite":
            caches.append(session.connection().exec_driver_sql("PRAGMA cache_size").scalar())
    report = run(factory, session, t, "Company,External ID\nHolder Inc,EXT-9\n",
                 progress=watched)
    # Read again on the connection it got after the rollback, with the bulk job's bounds.
    assert caches in ([], [-BULK_CACHE_KIB])
    assert caches or session.get_bind().dialect.name != "sqlite"
    # The database refused the new customer's external id: read again under the lock, the
    # row names the customer that holds it now.
    assert "rechecking" in stages
    assert (report.created, report.rejected) == (0, 0)
    (only,) = listed(client, t)["items"]
    assert (only["id"], only["external_id"]) == (holder["id"], "EXT-9")


def test_a_customer_deleted_meanwhile_is_made_again_from_its_row(client, factory, session):
    t = factory.tenant()
    gone = factory.customer(t, company_name="Gone Co", license_number="GONE-1",
                            city="Oakland")

    def delete() -> None:
        assert client.delete(f"/api/v1/customers/{gone['id']}",
                             headers={**t.headers, "If-Match": "*"}).status_code == 204
    stages, progress = while_reading(delete)
    report = run(factory, session, t, "Company,License #,City\nGone Co,GONE-1,Denver\n",
                 progress=progress)
    assert "rechecking" in stages and (report.created, report.updated) == (1, 0)
    (only,) = listed(client, t)["items"]
    assert (only["company_name"], only["city"]) == ("Gone Co", "Denver")


def test_on_postgresql_the_storefront_is_recorded_while_an_import_writes(
        client, factory, session, monkeypatch):
    """PostgreSQL locks rows, not the database: while an import has written its customers
    and not yet committed, orders for customers it does not touch and new shoppers are
    recorded at once (201), and staff edit others; then the import commits whole."""
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: events wait in the inbox (tests/events)")
    t = factory.tenant()
    regular = factory.customer(t, company_name="Regular Co", license_number="REG-1")
    answers: list[int] = []
    real = service._Run.write

    def write_then_serve(self):
        real(self)  # the import's rows are written, its transaction open
        for n, customer in enumerate(({"license_number": "REG-1"},
                                      {"email": "walk-in@example.com"})):
            answers.append(client.post("/api/v1/events", headers=t.headers, json={
                "type": "order.placed", "occurred_at": "2026-11-20T10:00:00Z",
                "customer": customer, "data": {"number": f"PG-{n}", "total": "5.00"}}
            ).status_code)
        answers.append(client.patch(f"/api/v1/customers/{regular['id']}", json={
            "city": "Reno"}, headers={**t.headers, "If-Match": "*"}).status_code)
    monkeypatch.setattr(service._Run, "write", write_then_serve)
    report = run(factory, session, t, "Company,License #\nNew Co,NEW-1\nOther Co,NEW-2\n")
    assert answers == [201, 201, 200]
    assert report.created == 2
    names = {c["company_name"] or c["email"]: c for c in listed(client, t)["items"]}
    assert set(names) == {"Regular Co", "walk-in@example.com", "New Co", "Other Co"}
    assert (names["Regular Co"]["order_count"], names["Regular Co"]["city"]) == (1, "Reno")
