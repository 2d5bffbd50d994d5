"""Re-imports: unchanged rows are recognised by the fingerprint of their raw cells before
they are converted, and only while nothing that decides their outcome has changed."""

from __future__ import annotations

import pytest

from patronage.db import ListParam
from patronage.imports import fingerprints, pipeline
from patronage.imports import rows as row_module
from tests.events.test_events import order, post
from tests.imports.test_import import listed, run

CSV = ("Company,License #,Email,Status,Total Orders\n"
       "North Co,NO-1,north@example.com,Customer,2\n"
       "South Co,SO-1,south@example.com,Lead,0\n"
       "Bad Co,BA-1,not-an-email,Customer,1\n")


@pytest.fixture
def converted(monkeypatch):
    """The lines each run converted (parsed and validated)."""
    lines: list[int] = []
    original = row_module.Converter.row

    def row(self, line, cells):
        lines.append(line)
        return original(self, line, cells)

    monkeypatch.setattr(row_module.Converter, "row", row)
    return lines


def counts(report):
    return (report.created, report.updated, report.unchanged, report.rejected)


def previewed_then_committed(factory, session, t, data):
    """The commit's report, after checking the dry run predicted it exactly."""
    preview = run(factory, session, t, data, dry_run=True)
    done = run(factory, session, t, data)
    assert preview.summary() == done.summary()
    return done


def test_a_reimport_recognises_unchanged_rows_without_converting_them(client, factory,
                                                                       session, converted):
    t = factory.tenant()
    assert counts(run(factory, session, t, CSV)) == (2, 0, 0, 1)
    converted.clear()
    preview = run(factory, session, t, CSV, dry_run=True)
    again = run(factory, session, t, CSV)
    assert counts(preview) == counts(again) == (0, 0, 2, 1)
    assert converted == [4, 4]  # only the rejected row, once per run
    ids = {r["customer_id"] for r in again.rows if r["outcome"] == "unchanged"}
    assert ids == {c["id"] for c in listed(client, t)["items"]}


def test_an_edited_customer_is_compared_again(client, factory, session, converted):
    t = factory.tenant()
    run(factory, session, t, CSV)
    north = listed(client, t, q="NO-1")["items"][0]
    changed = client.patch(f"/api/v1/customers/{north['id']}", json={"company_name": "Renamed"},
                           headers={**t.headers, "If-Match": f'"{north["version"]}"'})
    assert changed.status_code == 200, changed.text
    converted.clear()
    again = run(factory, session, t, CSV)
    assert counts(again) == (0, 1, 1, 1)
    assert sorted(converted) == [2, 4]
    assert listed(client, t, q="NO-1")["items"][0]["company_name"] == "North Co"


def test_orders_recorded_since_are_compared_again(client, factory, session, converted):
    """Events change order figures without a new version: the fingerprint notices, and
    the file's totals (the imported part) leave the order recorded since on top."""
    t = factory.tenant()
    run(factory, session, t, CSV)
    south = post(client, t, order("A-1", license_number="SO-1"))["customer_id"]
    converted.clear()
    again = run(factory, session, t, CSV)
    assert counts(again) == (0, 0, 2, 1)
    assert sorted(converted) == [3, 4]
    body = client.get(f"/api/v1/customers/{south}", headers=t.headers).json()
    assert (body["order_count"], body["imported_order_count"]) == (1, 0)
    changed = run(factory, session, t, CSV.replace("Lead,0", "Lead,4"))
    assert counts(changed) == (0, 1, 1, 1)
    assert next(r for r in changed.rows if r["outcome"] == "updated")["fields"] == [
        "order_count"]
    body = client.get(f"/api/v1/customers/{south}", headers=t.headers).json()
    assert (body["order_count"], body["imported_order_count"]) == (5, 4)


def test_changed_workspace_lists_or_mapping_compare_every_row_again(client, factory, session,
                                                                    converted):
    t = factory.tenant()
    run(factory, session, t, CSV)
    added = client.post("/api/v1/settings/statuses", json={"name": "VIP"}, headers=t.headers)
    assert added.status_code == 201, added.text
    converted.clear()
    assert counts(run(factory, session, t, CSV)) == (0, 0, 2, 1)
    assert sorted(converted) == [2, 3, 4]
    converted.clear()
    ignoring = {"Company": "company_name", "License #": "license_number", "Email": "email",
                "Status": "status", "Total Orders": None}
    assert counts(run(factory, session, t, CSV, saved_mapping=ignoring)) == (0, 0, 2, 1)
    assert sorted(converted) == [2, 3, 4]


def test_a_customer_named_twice_in_a_file_is_a_duplicate_whichever_path_it_takes(
        client, factory, session):
    t = factory.tenant()
    run(factory, session, t, CSV)
    twice = CSV + ("North Co,NO-1,north@example.com,Customer,2\n"      # the same row again
                   "North Co,no 1,north2@example.com,Customer,2\n")    # the same license
    done = previewed_then_committed(factory, session, t, twice)
    assert counts(done) == (0, 0, 2, 3)
    messages = {e["line"]: e["message"] for e in done.errors}
    north = listed(client, t, q="NO-1")["items"][0]["id"]
    for line in (5, 6):
        assert messages[line] == (
            f"Line {line}: is a duplicate of line 2 (both are customer #{north})")


def test_identical_new_rows_are_duplicates_in_the_dry_run_and_the_commit(factory, session):
    t = factory.tenant()
    data = ("Company,License #\n" "East Co,EA-1\n" "East Co,EA-1\n")
    done = previewed_then_committed(factory, session, t, data)
    assert counts(done) == (1, 0, 0, 1)
    assert done.errors[0]["message"] == ("Line 3: is a duplicate of line 2 "
                                         "(same license number)")
    assert counts(run(factory, session, t, data)) == (0, 0, 1, 1)


def test_fingerprints_are_found_through_their_index(factory, session, monkeypatch):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    # The plan as the indexes decide it, whatever statistics earlier tests' imports or the
    # pool's PRAGMA optimize left (as tests/customers/test_query_plans.py does).
    from sqlalchemy import text

    from patronage import db

    monkeypatch.setattr(db, "OPTIMIZE_EVERY", 10**9)
    session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    session.execute(text("ANALYZE sqlite_schema"))
    session.commit()
    t = factory.tenant()
    run(factory, session, t, CSV)
    digests = ListParam("d", 2, b"")
    compiled = fingerprints.known_query(digests).compile(dialect=session.get_bind().dialect)
    params = {**compiled.params, "tenant": t.id, **digests.values([b"x" * 16, b"y" * 16])}
    raw = session.connection().connection.driver_connection
    plan = " | ".join(row[3] for row in raw.execute(
        f"EXPLAIN QUERY PLAN {compiled}", [params[n] for n in compiled.positiontup]))
    assert "USING INDEX ix_import_fingerprints_digest (tenant_id=? AND digest=?)" in plan
    assert "INTEGER PRIMARY KEY" in plan and "SCAN" not in plan
    assert "ix_customers_tenant_email (tenant_id=? AND <expr>=?" in plan, plan
    assert "ix_customers_tenant_phone (tenant_id=? AND phone=?" in plan, plan


def test_worker_processes_convert_big_files_alike(factory, session, monkeypatch):
    """Past PARALLEL_ROWS rows conversion runs in a pool of worker processes: the same
    report, in file order, as converting here (the in-process path of the other tests)."""
    data = "Company,License #,Email,Tags\n" + "".join(
        f"Co {i},WK-{i},{'bad' if i % 7 == 0 else f'co{i}@example.com'},vip\n"
        for i in range(3_000))
    here = run(factory, session, factory.tenant(), data, dry_run=True)
    monkeypatch.setattr(pipeline, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 500)
    pooled = run(factory, session, factory.tenant(), data, dry_run=True)
    assert pooled.summary() == here.summary()
    assert counts(pooled) == (2_571, 0, 0, 429)
    assert [r["line"] for r in pooled.rows] == [r["line"] for r in here.rows]


def test_a_customer_created_earlier_in_the_file_is_not_matched_by_a_later_chunk(
        factory, session, monkeypatch):
    """Chunk boundaries change nothing: the commit sees the rows an earlier chunk wrote,
    the dry run does not, and both call the later line a duplicate."""
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    t = factory.tenant()
    data = ("Company,License #,Email\n" "West Co,WE-1,west@example.com\n"
            "Other Co,,west@example.com\n"   # another key of the same customer
            "West Co,WE-1,west@example.com\n")
    done = previewed_then_committed(factory, session, t, data)
    assert counts(done) == (2, 0, 0, 1)
    assert done.errors[0]["message"] == ("Line 4: is a duplicate of line 2 "
                                         "(same license number)")


def test_a_recognised_row_goes_the_full_way_when_an_older_customer_took_its_email(
        client, factory, session, converted):
    """Emails are not unique: the full path matches the oldest holder, so a fingerprint
    counts only while no older customer has the row's email."""
    t = factory.tenant()
    older = factory.shopper(t, first_name="Older", email="older@example.com")
    data = "First Name,Email\n" "Newer,shared@example.com\n"
    assert counts(run(factory, session, t, data)) == (1, 0, 0, 0)
    moved = client.patch(f"/api/v1/customers/{older['id']}", json={"email": "shared@example.com"},
                         headers={**t.headers, "If-Match": f'"{older["version"]}"'})
    assert moved.status_code == 200, moved.text
    converted.clear()
    again = run(factory, session, t, data)
    assert converted == [2]
    assert counts(again) == (0, 1, 0, 0)
    assert again.rows[0]["customer_id"] == older["id"]


def test_the_report_links_the_customers_an_import_created(client, factory, session):
    t = factory.tenant()
    done = run(factory, session, t, CSV)
    created = [r for r in done.rows if r["outcome"] == "created"]
    assert len(created) == 2
    for row in created:
        found = client.get(f"/api/v1/customers/{row['customer_id']}", headers=t.headers)
        assert found.status_code == 200
    preview = run(factory, session, t, CSV.replace("NO-1", "NO-2"), dry_run=True)
    assert [r.get("customer_id") for r in preview.rows if r["outcome"] == "created"] == [None]
