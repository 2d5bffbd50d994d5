"""Likely duplicates through the API: a scan of the workspace lists them highest score first
with their reasons; dismissing a pair keeps it out until a key changes; roles, tenants and
bad input."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from patronage import runners
from patronage.db import utcnow
from patronage.duplicates import scans
from patronage.duplicates.models import DuplicateScan
from tests.factories import TenantCtx, problems


def scanned(client: Any, t: TenantCtx, headers: dict[str, str] | None = None
            ) -> dict[str, Any]:
    started = client.post("/api/v1/duplicates:scan", headers=headers or t.headers)
    assert started.status_code == 202, started.text
    scans.wait(started.json()["id"])
    done = client.get("/api/v1/duplicates/scan", headers=t.headers)
    assert done.status_code == 200
    return done.json()


def pairs(client: Any, t: TenantCtx, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/duplicates", headers=t.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def twins(factory: Any, t: TenantCtx) -> tuple[dict, dict]:
    """A business typed by hand and the same one again with its license punctuated."""
    first = factory.customer(t, company_name="Green Leaf Dispensary LLC",
                             license_number="C10-0000123-LIC", phone="(510) 555-0101")
    again = factory.customer(t, company_name="The Green Leaf Dispensary",
                             license_number="C10 0000213 LIC", phone="510.555.0101")
    return first, again


def test_a_scan_lists_likely_duplicates_with_their_reasons(client, factory):
    t = factory.tenant()
    first, again = twins(factory, t)
    shopper = factory.shopper(t, first_name="Robert", last_name="Okafor")
    factory.shopper(t, first_name="Bob", last_name="Okafor", email="bob@elsewhere.example",
                    phone="(415) 555-0199")
    factory.shopper(t, first_name="Mary", last_name="Okafor", email="mary@okafor.example")
    factory.customer(t, company_name="Unrelated Goods")
    assert client.get("/api/v1/duplicates/scan", headers=t.headers).json()["code"] == "no_scan"

    scan = scanned(client, t)
    assert scan["status"] == "done" and scan["customers"] == 6 and scan["found"] == 2
    assert scan["compared"] >= 2 and scan["finished_at"]
    items = pairs(client, t)["items"]
    assert [i["customers"] for i in items] == [[first["id"], again["id"]],
                                               [shopper["id"], shopper["id"] + 1]]
    assert items[0]["score"] > items[1]["score"] >= 0.5
    assert items[0]["reasons"] == ["license numbers differ by two swapped characters",
                                   "same phone", "same company name"]
    assert "Robert and Bob are one name" in items[1]["reasons"]


def test_pages_of_pairs_follow_the_cursor(client, factory):
    t = factory.tenant()
    for n in range(5):
        factory.customer(t, company_name=f"Twin Shop {n}", phone=f"(510) 555-01{n:02d}",
                         license_number=f"TW-{n}")
        factory.customer(t, company_name=f"Twin Shop {n} Inc", phone=f"510-555-01{n:02d}",
                         license_number=None)
    scanned(client, t)
    seen, cursor = [], None
    while True:
        page = pairs(client, t, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [tuple(i["customers"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    assert problems(client.get("/api/v1/duplicates?cursor=bm9wZQ", headers=t.headers)) == [
        ("/cursor", "invalid_cursor")]
    assert client.get("/api/v1/duplicates?limit=0", headers=t.headers).status_code == 422


def test_a_dismissed_pair_stays_out_until_a_key_changes(client, factory):
    t = factory.tenant()
    first, again = twins(factory, t)
    scanned(client, t)
    body = {"customers": [again["id"], first["id"]]}
    assert client.post("/api/v1/duplicates/dismiss", json=body,
                       headers=t.headers).status_code == 204
    assert pairs(client, t)["items"] == []
    assert scanned(client, t)["found"] == 0  # a scan does not bring it back
    assert client.post("/api/v1/duplicates/dismiss", json=body,  # saying it twice is fine
                       headers=t.headers).status_code == 204

    changed = client.patch(f"/api/v1/customers/{again['id']}", json={"phone": "5105550199"},
                           headers={**t.headers, "If-Match": "*"})
    assert changed.status_code == 200
    assert scanned(client, t)["found"] == 1
    assert pairs(client, t)["items"][0]["customers"] == [first["id"], again["id"]]


def test_deleting_a_customer_takes_its_pairs_with_it(client, factory):
    t = factory.tenant()
    first, again = twins(factory, t)
    scanned(client, t)
    client.post("/api/v1/duplicates/dismiss", json={"customers": [first["id"], again["id"]]},
                headers=t.headers)
    third = factory.customer(t, company_name="Green Leaf Dispensary",
                             license_number=None, phone="(510) 555-0101")
    scanned(client, t)
    assert len(pairs(client, t)["items"]) == 2
    assert client.delete(f"/api/v1/customers/{first['id']}", headers=t.headers
                         ).status_code == 204
    assert [i["customers"] for i in pairs(client, t)["items"]] == [[again["id"], third["id"]]]


def test_dismissing_needs_two_customers_of_the_workspace_and_a_writer(client, factory):
    t, other = factory.tenant(), factory.tenant()
    mine, theirs = factory.customer(t), factory.customer(other)
    url = "/api/v1/duplicates/dismiss"
    assert problems(client.post(url, json={"customers": [mine["id"], mine["id"]]},
                                headers=t.headers)) == [("/customers", "invalid_pair")]
    assert problems(client.post(url, json={"customers": [mine["id"]]}, headers=t.headers)
                    )[0][0] == "/customers"
    assert problems(client.post(url, json={"customers": [mine["id"], 0]}, headers=t.headers)
                    )[0][0] == "/customers/1"
    assert problems(client.post(url, json={"customers": [1, 2], "extra": 1},
                                headers=t.headers))[0][1] == "unknown_field"
    missing = client.post(url, json={"customers": [mine["id"], theirs["id"]]},
                          headers=t.headers)
    assert missing.status_code == 404 and str(theirs["id"]) in missing.json()["detail"]
    viewer = factory.member(t, "viewer")
    assert client.post(url, json={"customers": [mine["id"], mine["id"] + 1]},
                       headers=viewer).status_code == 403
    assert client.post("/api/v1/duplicates:scan", headers=viewer).status_code == 403
    assert client.get("/api/v1/duplicates", headers=viewer).status_code == 200
    rep = factory.member(t, "sales_rep")
    assert scanned(client, t, rep)["status"] == "done"


def test_pairs_and_scans_stay_in_their_workspace(client, factory):
    t, other = factory.tenant(), factory.tenant()
    twins(factory, t)
    factory.customer(other, company_name="Green Leaf Dispensary LLC",
                     license_number="C10-0000123-LIC", phone="(510) 555-0101")
    assert scanned(client, other)["customers"] == 1
    assert pairs(client, other)["items"] == []
    assert scanned(client, t)["found"] == 1
    assert pairs(client, other)["items"] == []
    assert client.get("/api/v1/duplicates/scan", headers=other.headers).json()["found"] == 0


def test_one_scan_at_a_time_and_a_dead_one_is_reaped(client, factory, session):
    t = factory.tenant()
    running = DuplicateScan(tenant_id=t.id, status="running", started_at=utcnow(),
                            runner=runners.this_process())
    session.add(running)
    session.commit()
    refused = client.post("/api/v1/duplicates:scan", headers=t.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "scan_running"

    running.runner = "elsewhere-host-gone:1"  # another machine's: it says for itself
    session.commit()
    assert client.post("/api/v1/duplicates:scan", headers=t.headers).status_code == 409
    running.runner = f"{runners.this_process().rsplit(':', 1)[0]}:999999999"  # gone
    session.commit()
    shown = client.get("/api/v1/duplicates/scan", headers=t.headers).json()
    assert shown["status"] == "failed" and "interrupted" in shown["message"]
    assert scanned(client, t)["status"] == "done"


def test_the_command_line_scans_with_progress_and_lists_the_pairs(client, factory):
    from typer.testing import CliRunner

    from patronage.cli.main import app

    t = factory.tenant()
    first, again = twins(factory, t)
    runner = CliRunner()
    scanned_ = runner.invoke(app, ["duplicates", "scan", "--tenant", t.slug, "--json"])
    assert scanned_.exit_code == 0, scanned_.output
    summary = json.loads(scanned_.stdout)
    assert (summary["customers"], summary["found"]) == (2, 1)
    listed = runner.invoke(app, ["duplicates", "list", "--tenant", t.slug])
    assert listed.exit_code == 0
    assert listed.stdout.startswith(f"#{first['id']} #{again['id']}  ")
    assert "same phone" in listed.stdout
    again_ = runner.invoke(app, ["duplicates", "scan", "--tenant", "no-such-workspace"])
    assert again_.exit_code == 1 and "no-such-workspace" in again_.output


def test_an_unrelated_edit_keeps_a_pair_a_scan_found(client, factory):
    t = factory.tenant()
    first = factory.customer(t, company_name="Green Leaf Dispensary",
                             license_number="C10-0000123-LIC")
    second = factory.customer(t, company_name="Greenleaf Dispensary",
                              license_number="C10-0000213-LIC")
    assert scanned(client, t)["found"] == 1  # by the license's characters, sorted
    edited = client.patch(f"/api/v1/customers/{second['id']}", json={"city": "Oakland"},
                          headers={**t.headers, "If-Match": "*"})
    assert [d["id"] for d in edited.json()["possible_duplicates"]] == [first["id"]]
    assert [i["customers"] for i in pairs(client, t)["items"]] == [[first["id"],
                                                                    second["id"]]]


def test_a_sales_rep_dismisses_only_pairs_of_customers_they_may_edit(client, factory):
    t = factory.tenant()
    first, again = twins(factory, t)
    assert client.put("/api/v1/settings/permissions", headers=t.headers,
                      json={"rep_edit_scope": "own"}).status_code == 200
    rep = factory.member(t, "sales_rep")
    refused = client.post("/api/v1/duplicates/dismiss", headers=rep,
                          json={"customers": [first["id"], again["id"]]})
    assert refused.status_code == 403 and "not assigned to you" in refused.json()["detail"]
    assert len(pairs(client, t)["items"]) == 1


def test_one_running_scan_per_workspace_even_when_asked_at_once(factory, session):
    import pytest
    from sqlalchemy.exc import IntegrityError

    t = factory.tenant()
    session.add(DuplicateScan(tenant_id=t.id, status="running", started_at=utcnow()))
    session.commit()
    session.add(DuplicateScan(tenant_id=t.id, status="running", started_at=utcnow()))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(DuplicateScan(tenant_id=t.id, status="done", started_at=utcnow()))
    session.commit()  # finished ones are many


def test_saving_a_pair_another_writer_saved_meanwhile_updates_it(factory, session):
    import pytest

    from patronage.duplicates import kept
    from patronage.duplicates.models import DuplicatePair

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the pair cannot be saved meanwhile")
    t = factory.tenant()
    a, b = factory.customer(t), factory.customer(t)
    conn = session.connection()
    row = {"tenant_id": t.id, "low_id": a["id"], "high_id": b["id"], "score": 0.6,
           "reasons": ["same phone"], "found_at": utcnow()}
    kept.save_pairs(conn, [row])
    kept.save_pairs(conn, [{**row, "score": 0.9, "reasons": ["same email"]}])
    saved = session.scalars(select(DuplicatePair).where(DuplicatePair.tenant_id == t.id)).all()
    assert [(p.score, p.reasons) for p in saved] == [(0.9, ["same email"])]
    session.rollback()


def test_customers_written_while_a_scan_runs_are_checked_by_it(client, factory, monkeypatch):
    from patronage.duplicates import finding

    t = factory.tenant()
    first = factory.customer(t, company_name="Green Leaf Dispensary LLC",
                             license_number="C10-0000123-LIC", phone="(510) 555-0101")
    made = []
    real_scan = finding.scan

    def scan_while_someone_adds(profiles, **kw):  # type: ignore[no-untyped-def]
        # after the scan read the workspace, a copy is added: its pair, listed as it is
        # saved, must survive the scan replacing the list with what it read
        made.append(factory.partial(t, type="business", company_name="Green Leaf Dispensary",
                                    phone="+15105550101"))
        yield from real_scan(profiles, **kw)

    monkeypatch.setattr(finding, "scan", scan_while_someone_adds)
    done = scanned(client, t)
    assert done["customers"] == 1 and done["found"] == 1
    assert [i["customers"] for i in pairs(client, t)["items"]] == [[first["id"], made[0]["id"]]]
