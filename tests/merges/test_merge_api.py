"""Merging customers through the API: every kind of history moves to the survivor (a test
each), its figures equal a recount, the merged id and keys keep answering, and an undo puts
both back exactly (compared as full snapshots of every table), unless a merged key was
taken since; roles, tenants and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from patronage.customers.models import AuditEntry, Customer, CustomerStore, CustomerTag, SavedView
from patronage.db import utcnow
from patronage.events import derived
from patronage.events.models import Activity, Order, OrderLine, Sample
from patronage.imports.models import ImportFingerprint
from patronage.merges.models import Merge
from patronage.reports.models import RepCustomerDay
from tests.events.test_events import order, post
from tests.factories import TenantCtx, problems
from tests.imports.test_import import run
from tests.test_admin import _login

A_LICENSE, B_LICENSE = "C10-0000123-LIC", "C10-0000213-LIC"


def merge(client: Any, t: TenantCtx, survivor: int, dups: list[int], status: int = 200,
          headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/customers/{survivor}/merge", headers=headers or t.headers,
                           json={"duplicate_ids": dups, **body})
    assert response.status_code == status, response.text
    return response.json()


def undo(client: Any, t: TenantCtx, merge_id: int, status: int = 200,
         headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post(f"/api/v1/merges/{merge_id}:undo", headers=headers or t.headers)
    assert response.status_code == status, response.text
    return response.json()


class World:
    """Two customers that are one, each with every kind of history."""

    def __init__(self, client: Any, factory: Any, session: Any) -> None:
        self.client, self.session = client, session
        t = self.t = factory.tenant()
        store = client.post("/api/v1/settings/stores", headers=t.headers,
                            json={"name": "Second", "code": "second"})
        assert store.status_code == 201, store.text
        self.a = factory.customer(t, company_name="Green Leaf Dispensary LLC",
                                  license_number=A_LICENSE, phone="(510) 555-0101",
                                  tags=["vip"])
        self.b = factory.customer(t, company_name="The Green Leaf Dispensary",
                                  license_number=B_LICENSE, email="buyer@greenleaf.example",
                                  external_id="GL-2", tags=["wholesale", "vip"],
                                  notes="Met at the trade show")
        post(client, t, order("A-1", "10.00", license_number=A_LICENSE,
                              at="2026-01-05T10:00:00Z"), key="a-order-1")
        post(client, t, order("B-1", "25.00", license_number=B_LICENSE, store="second",
                              at="2026-02-07T16:30:00Z"), key="b-order-1")
        post(client, t, {"type": "sample.requested", "occurred_at": "2026-02-09T09:00:00Z",
                         "customer": {"license_number": B_LICENSE},
                         "data": {"products": ["Gummies"]}}, key="b-sample-1")
        logged = client.post(f"/api/v1/customers/{self.b['id']}/activities", headers=t.headers,
                             json={"kind": "call", "subject": "Asked for the price list"})
        assert logged.status_code == 201, logged.text
        self.b = client.get(f"/api/v1/customers/{self.b['id']}", headers=t.headers).json()
        edited = client.patch(f"/api/v1/customers/{self.b['id']}", headers={
            **t.headers, "If-Match": f'"{self.b["version"]}"'}, json={"city": "Oakland"})
        assert edited.status_code == 200, edited.text
        view = client.post("/api/v1/views", headers=t.headers, json={
            "name": "Green Leaf", "query": f"id={self.b['id']}&type=business"})
        assert view.status_code == 201, view.text
        self.view = view.json()["id"]
        report = run(factory, session, t, f"Company,License #\nThe Green Leaf Dispensary,"
                                          f"{B_LICENSE}\n")
        assert report.rejected == 0, report.errors
        self.ids = [self.a["id"], self.b["id"]]
        self.before = full(session, t.id, self.ids)

    def merged(self, **body: Any) -> dict[str, Any]:
        return merge(self.client, self.t, self.a["id"], [self.b["id"]], **body)


def _rows(session: Any, model: Any, tenant_id: int, **where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(table).where(table.c.tenant_id == tenant_id)
    for column, values in where.items():
        query = query.where(table.c[column].in_(values))
    return sorted((dict(r) for r in session.execute(query).mappings()),
                  key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def full(session: Any, tenant_id: int, ids: list[int]) -> dict[str, Any]:
    """Everything of these customers in every table that holds their history."""
    session.expire_all()
    history = {model.__tablename__: _rows(session, model, tenant_id, customer_id=ids)
               for model in (CustomerTag, CustomerStore, Order, OrderLine, Sample, Activity,
                             ImportFingerprint, RepCustomerDay)}
    audit = [r for r in _rows(session, AuditEntry, tenant_id, customer_id=ids)
             if r["action"] not in ("merged", "unmerged")]
    return {"customers": _rows(session, Customer, tenant_id, id=ids), "audit": audit,
            "views": _rows(session, SavedView, tenant_id), **history}


def owners(session: Any, model: Any, tenant_id: int) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(model.customer_id).where(model.tenant_id == tenant_id)))


@pytest.fixture
def world(client, factory, session) -> World:
    return World(client, factory, session)


# -- each kind of history moves to the survivor ------------------------------------------
def test_orders_and_their_lines_move(world, session):
    world.merged()
    tid, a = world.t.id, world.a["id"]
    assert owners(session, Order, tid) == {a}
    assert owners(session, OrderLine, tid) == {a}
    survivor = world.client.get(f"/api/v1/customers/{a}", headers=world.t.headers).json()
    assert (survivor["order_count"], survivor["total_spent"]) == (2, "35.00")
    assert survivor["first_order_at"] == "2026-01-05T10:00:00Z"
    assert survivor["last_order_at"] == "2026-02-07T16:30:00Z"


def test_samples_move(world, session):
    world.merged()
    assert owners(session, Sample, world.t.id) == {world.a["id"]}
    survivor = world.client.get(f"/api/v1/customers/{world.a['id']}",
                                headers=world.t.headers).json()
    assert survivor["sample_count"] == 1


def test_activities_and_their_idempotency_keys_move(world, client):
    world.merged()
    a = world.a["id"]
    timeline = client.get(f"/api/v1/customers/{a}/activities", headers=world.t.headers,
                          params={"limit": 100}).json()["items"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("order") == 2 and "sample" in kinds and "call" in kinds
    # A repeat of the merged customer's event answers as before, on the survivor now.
    again = post(client, world.t, order("B-1", "25.00", license_number=B_LICENSE,
                                        store="second", at="2026-02-07T16:30:00Z"),
                 key="b-order-1", status=200)
    assert again["customer_id"] == a


def test_tags_join(world, client):
    world.merged()
    survivor = client.get(f"/api/v1/customers/{world.a['id']}", headers=world.t.headers).json()
    assert survivor["tags"] == ["vip", "wholesale"]


def test_stores_join(world, session):
    world.merged()
    session.expire_all()
    stores = set(session.scalars(select(CustomerStore.store_id).where(
        CustomerStore.tenant_id == world.t.id, CustomerStore.customer_id == world.a["id"])))
    assert len(stores) == 2  # main (its own order) and second (the merged one's)


def test_audit_entries_move_and_the_merge_is_one_entry(world, client, session):
    merged = world.merged()
    tid, a, b = world.t.id, world.a["id"], world.b["id"]
    assert owners(session, AuditEntry, tid) == {a}
    history = client.get(f"/api/v1/customers/{a}/history", headers=world.t.headers,
                         params={"limit": 200}).json()["items"]
    entries = [e for e in history if e["action"] == "merged"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["new"]["merge_id"] == merged["merge_id"]
    assert entry["new"]["moved"]["orders"] == 1
    assert entry["new"]["moved"]["samples"] == 1
    assert entry["old"]["customers"][0]["id"] == b
    assert entry["old"]["customers"][0]["license_number"] == B_LICENSE
    # The merged customer's own edit (its city) is in the survivor's history now.
    assert any(e["field"] == "city" and e["new"] == "Oakland" for e in history)


def test_the_import_fingerprint_moves_to_a_survivor_without_one(world, session):
    world.merged()
    assert owners(session, ImportFingerprint, world.t.id) == {world.a["id"]}


def test_saved_views_point_at_the_survivor(world, client):
    world.merged()
    view = client.get(f"/api/v1/views/{world.view}", headers=world.t.headers).json()
    assert view["query"] == f"id={world.a['id']}&type=business"


def test_metrics_equal_a_recount_after_merge_and_after_undo(world, session):
    merged = world.merged()
    tid = world.t.id
    kept = full(session, tid, world.ids)["customers"]
    derived.recompute(session, tid)
    assert full(session, tid, world.ids)["customers"] == kept
    undo(world.client, world.t, merged["merge_id"])
    kept = full(session, tid, world.ids)["customers"]
    derived.recompute(session, tid)
    assert full(session, tid, world.ids)["customers"] == kept


# -- what is kept ------------------------------------------------------------------------
def test_the_survivor_keeps_its_keys_and_the_most_recent_values(world):
    merged = world.merged()
    assert merged["license_number"] == A_LICENSE and merged["phone"] == world.a["phone"]
    # Keys the survivor lacked, and the newer edits (the other was changed last).
    assert merged["email"] == "buyer@greenleaf.example" and merged["external_id"] == "GL-2"
    assert merged["company_name"] == "The Green Leaf Dispensary"
    assert merged["notes"] == "Met at the trade show" and merged["city"] == "Oakland"


def test_keep_picks_a_value_field_by_field(world):
    merged = world.merged(keep={"company_name": world.a["id"],
                                "license_number": world.b["id"]})
    assert merged["company_name"] == "Green Leaf Dispensary LLC"
    assert merged["license_number"] == B_LICENSE  # the merged one's, freed by the merge


# -- the merged id and keys keep answering -----------------------------------------------
def test_the_merged_id_answers_308_with_the_survivor(world, client):
    world.merged()
    a, b = world.a["id"], world.b["id"]
    moved = client.get(f"/api/v1/customers/{b}", headers=world.t.headers,
                       follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"] == f"/api/v1/customers/{a}"
    assert moved.json()["code"] == "merged" and moved.json()["merged_into"] == a
    history = client.get(f"/api/v1/customers/{b}/history", headers=world.t.headers,
                         follow_redirects=False)
    assert history.headers["location"] == f"/api/v1/customers/{a}/history"
    assert client.get(f"/api/v1/customers/{b}", headers=world.t.headers).json()["id"] == a


def test_the_admin_sends_a_merged_customers_page_to_the_survivor(world, client):
    world.merged()
    assert _login(client, world.t).status_code == 303
    page = client.get(f"/customers/{world.b['id']}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/customers/{world.a['id']}?merged_from={world.b['id']}"


def test_events_naming_the_merged_customers_keys_land_on_the_survivor(world, client):
    world.merged()
    a = world.a["id"]
    by_license = post(client, world.t, order("B-2", "5.00", license_number=B_LICENSE))
    assert by_license["customer_id"] == a and by_license["matched_by"] == "license_number"
    by_email = post(client, world.t, {"type": "shopper.logged_in",
                                      "occurred_at": "2026-03-01T00:00:00Z",
                                      "customer": {"email": "BUYER@greenleaf.example"}})
    assert by_email["customer_id"] == a


# -- undo -------------------------------------------------------------------------------
def test_undo_puts_both_back_exactly(world, client, session):
    merged = world.merged()
    done = undo(client, world.t, merged["merge_id"])
    assert [c["id"] for c in done["restored"]] == [world.b["id"]]
    assert done["merge"]["undone_at"] and done["merge"]["undone_by"] == world.t.email
    after = full(session, world.t.id, world.ids)
    # The survivor's version and time move on (it was written twice); nothing else differs.
    for rows in (world.before["customers"], after["customers"]):
        for row in rows:
            if row["id"] == world.a["id"]:
                row.pop("version"), row.pop("updated_at")
    assert after == world.before
    assert client.get(f"/api/v1/customers/{world.b['id']}", headers=world.t.headers,
                      follow_redirects=False).status_code == 200
    # Its keys are its own again: an event by its license finds it, not the survivor.
    assert post(client, world.t, order("B-9", "1.00", license_number=B_LICENSE)
                )["customer_id"] == world.b["id"]


def test_what_happened_to_the_survivor_since_stays_with_it(world, client):
    merged = world.merged()
    a, b = world.a["id"], world.b["id"]
    survivor = client.get(f"/api/v1/customers/{a}", headers=world.t.headers).json()
    edited = client.patch(f"/api/v1/customers/{a}", headers={
        **world.t.headers, "If-Match": f'"{survivor["version"]}"'},
        json={"company_name": "Green Leaf Collective", "notes": "Merged, then edited"})
    assert edited.status_code == 200, edited.text
    late = post(client, world.t, order("A-2", "7.00", license_number=A_LICENSE,
                                       at="2026-03-03T00:00:00Z"))
    assert late["customer_id"] == a
    undo(client, world.t, merged["merge_id"])
    survivor = client.get(f"/api/v1/customers/{a}", headers=world.t.headers).json()
    restored = client.get(f"/api/v1/customers/{b}", headers=world.t.headers).json()
    assert survivor["company_name"] == "Green Leaf Collective"
    assert survivor["notes"] == "Merged, then edited"
    assert survivor["email"] is None and survivor["external_id"] is None  # set by the merge
    assert (survivor["order_count"], survivor["total_spent"]) == (2, "17.00")
    assert (restored["order_count"], restored["total_spent"]) == (1, "25.00")
    assert restored["company_name"] == "The Green Leaf Dispensary"


def test_undo_is_refused_once_a_merged_key_is_taken(world, client, factory):
    merged = world.merged()
    taken = factory.customer(world.t, company_name="Someone Else", license_number=B_LICENSE)
    refused = client.post(f"/api/v1/merges/{merged['merge_id']}:undo", headers=world.t.headers)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "key_reused" and f"#{taken['id']}" in body["detail"]
    assert "license number" in body["detail"]
    assert client.get(f"/api/v1/merges/{merged['merge_id']}",
                      headers=world.t.headers).json()["undone_at"] is None


def test_undo_twice_and_after_30_days_is_refused(world, client, session):
    merged = world.merged()
    undo(client, world.t, merged["merge_id"])
    assert undo(client, world.t, merged["merge_id"], 409)["code"] == "already_undone"
    again = world.merged()
    session.execute(update(Merge).where(Merge.tenant_id == world.t.id,
                                        Merge.id == again["merge_id"])
                    .values(merged_at=utcnow() - timedelta(days=30, seconds=1)))
    session.commit()
    assert undo(client, world.t, again["merge_id"], 409)["code"] == "undo_expired"


def test_a_survivor_merged_again_answers_for_both_and_undoes_in_order(world, client,
                                                                     factory):
    first = world.merged()
    c = factory.customer(world.t, company_name="Green Leaf HQ")
    second = merge(client, world.t, c["id"], [world.a["id"]])
    moved = client.get(f"/api/v1/customers/{world.b['id']}", headers=world.t.headers,
                       follow_redirects=False)
    assert moved.headers["location"] == f"/api/v1/customers/{c['id']}"
    assert undo(client, world.t, first["merge_id"], 409)["code"] == "survivor_gone"
    undo(client, world.t, second["merge_id"])
    undo(client, world.t, first["merge_id"])
    for cid in (world.a["id"], world.b["id"], c["id"]):
        assert client.get(f"/api/v1/customers/{cid}", headers=world.t.headers,
                          follow_redirects=False).status_code == 200


def test_a_merged_id_is_never_handed_out_again(client, factory):
    t = factory.tenant()
    a = factory.customer(t)
    b = factory.customer(t)
    merge(client, t, a["id"], [b["id"]])
    assert factory.customer(t)["id"] > b["id"]


# -- who may, and bad input --------------------------------------------------------------
def test_viewers_see_admins_and_sales_reps_merge(world, client, factory):
    viewer = factory.member(world.t, "viewer")
    assert merge(client, world.t, world.a["id"], [world.b["id"]], 403,
                 headers=viewer)["code"] == "forbidden"
    rep = factory.member(world.t, "sales_rep")
    merged = merge(client, world.t, world.a["id"], [world.b["id"]], headers=rep)
    assert client.get(f"/api/v1/merges/{merged['merge_id']}", headers=viewer).status_code == 200
    assert undo(client, world.t, merged["merge_id"], 403, headers=viewer)["code"] == "forbidden"
    undo(client, world.t, merged["merge_id"], headers=rep)


def test_another_workspaces_customers_and_merges_are_not_found(world, client, factory):
    other = factory.tenant()
    theirs = factory.customer(other)
    assert merge(client, other, theirs["id"], [world.b["id"]], 404)["code"] == "not_found"
    assert merge(client, other, world.a["id"], [theirs["id"]], 404)["code"] == "not_found"
    merged = world.merged()
    assert client.get(f"/api/v1/merges/{merged['merge_id']}",
                      headers=other.headers).status_code == 404
    assert undo(client, other, merged["merge_id"], 404)["code"] == "not_found"
    assert client.get(f"/api/v1/customers/{world.b['id']}", headers=other.headers,
                      follow_redirects=False).status_code == 404


@pytest.mark.parametrize(("dups", "keep", "pointer", "code"), [
    ([], {}, "/duplicate_ids", "too_short"),
    (["self"], {}, "/duplicate_ids", "invalid_merge"),
    (["b", "b"], {}, "/duplicate_ids", "invalid_merge"),
    (["b"], {"order_count": "a"}, "/keep/order_count", "unknown_field"),
    (["b"], {"company_name": 999999}, "/keep/company_name", "not_in_merge"),
])
def test_bad_merges_are_refused_and_change_nothing(world, client, session, dups, keep,
                                                   pointer, code):
    ids = {"self": world.a["id"], "b": world.b["id"], "a": world.a["id"]}
    body = {"duplicate_ids": [ids[d] for d in dups],
            "keep": {k: ids.get(v, v) for k, v in keep.items()}}
    response = client.post(f"/api/v1/customers/{world.a['id']}/merge",
                           headers=world.t.headers, json=body)
    assert (pointer, code) in problems(response)
    assert full(session, world.t.id, world.ids) == world.before


def test_a_stale_version_refuses_the_merge(world, client):
    refused = merge(client, world.t, world.a["id"], [world.b["id"]], 412,
                    versions={str(world.b["id"]): 1})  # edited since
    assert refused["customer_id"] == world.b["id"]


def test_a_sales_rep_kept_to_their_own_customers_merges_only_those(world, client, factory):
    rep = factory.member(world.t, "sales_rep")
    rep_id = client.get("/api/v1/me", headers=rep).json()["user_id"]
    scoped = client.put("/api/v1/settings/permissions", headers=world.t.headers,
                        json={"rep_edit_scope": "own"})
    assert scoped.status_code == 200, scoped.text
    refused = merge(client, world.t, world.a["id"], [world.b["id"]], 403, headers=rep)
    assert f"#{world.a['id']}" in refused["detail"]
    for c in (world.a, world.b):
        current = client.get(f"/api/v1/customers/{c['id']}", headers=world.t.headers)
        assigned = client.patch(f"/api/v1/customers/{c['id']}", json={"sales_rep_id": rep_id},
                                headers={**world.t.headers, "If-Match": current.headers["etag"]})
        assert assigned.status_code == 200, assigned.text
    merge(client, world.t, world.a["id"], [world.b["id"]], headers=rep)


def test_an_import_never_hands_out_a_merged_id_either(client, factory, session):
    t = factory.tenant()
    a = factory.customer(t)
    b = factory.customer(t)
    merge(client, t, a["id"], [b["id"]])
    report = run(factory, session, t, "Company,License #\nNew Goods,NG-77\n")
    assert report.created == 1
    made = client.get("/api/v1/customers", headers=t.headers, params={"q": "NG-77"}).json()
    assert made["items"][0]["id"] > b["id"]


# -- what the review of the first version found --------------------------------------------
def test_a_change_sent_to_a_merged_id_is_not_passed_on(world, client):
    world.merged()
    a, b = world.a["id"], world.b["id"]
    for method, extra in (("DELETE", {"headers": {"If-Match": "*"}}),
                          ("PATCH", {"headers": {"If-Match": "*"}, "json": {"notes": "x"}})):
        response = client.request(method, f"/api/v1/customers/{b}", follow_redirects=True,
                                  **{**extra, "headers": {**world.t.headers,
                                                          **extra["headers"]}})
        assert response.status_code == 410, response.text
        assert response.json()["merged_into"] == a and "location" not in response.headers
    survivor = client.get(f"/api/v1/customers/{a}", headers=world.t.headers).json()
    assert survivor["notes"] == "Met at the trade show"
    moved = client.get(f"/api/v1/customers/{b}/activities?limit=1&kind=order",
                       headers=world.t.headers, follow_redirects=False)
    assert moved.headers["location"] == f"/api/v1/customers/{a}/activities?limit=1&kind=order"


def test_a_merge_that_would_leave_no_one_or_a_nameless_business_is_refused(client, factory):
    t = factory.tenant()
    by_phone = factory.partial(t, type="guest", phone="(510) 555-0101")
    by_email = factory.partial(t, type="guest", email="one@example.com")
    refused = merge(client, t, by_phone["id"], [by_email["id"]], 422,
                    keep={"phone": by_email["id"], "email": by_phone["id"]})
    assert refused["errors"][0]["code"] == "invalid_merge"
    business = factory.customer(t, company_name="Named Goods")
    guest = factory.partial(t, type="guest", email="two@example.com")
    refused = merge(client, t, guest["id"], [business["id"]], 422,
                    keep={"company_name": guest["id"], "license_number": guest["id"]})
    assert ("/keep/company_name", "invalid_merge") in [(e["pointer"], e["code"])
                                                      for e in refused["errors"]]


def test_undo_is_refused_when_the_survivors_own_key_was_taken(world, client, factory):
    merged = world.merged(keep={"license_number": world.b["id"]})
    taken = factory.customer(world.t, company_name="Took It", license_number=A_LICENSE)
    refused = undo(client, world.t, merged["merge_id"], 409)
    assert refused["code"] == "key_reused" and f"#{taken['id']}" in refused["detail"]


def test_undo_is_refused_when_an_older_customer_took_a_merged_email(world, client, factory):
    older = factory.partial(world.t, type="guest", email="older@example.com")
    merged = world.merged()
    current = client.get(f"/api/v1/customers/{older['id']}", headers=world.t.headers)
    client.patch(f"/api/v1/customers/{older['id']}", json={"email": "buyer@greenleaf.example"},
                 headers={**world.t.headers, "If-Match": current.headers["etag"]})
    refused = undo(client, world.t, merged["merge_id"], 409)
    assert refused["code"] == "key_reused" and "email" in refused["detail"]


def test_undo_keeps_imported_totals_the_survivor_got_since(client, factory, session):
    t = factory.tenant()
    run(factory, session, t, "Company,License #,Total Orders,Total Spent\n"
                             "North Co,NO-1,5,500\nNorth Company,NO-2,3,300\n")
    found = {c["license_number"]: c for c in client.get(
        "/api/v1/customers", headers=t.headers).json()["items"]}
    a, b = found["NO-1"]["id"], found["NO-2"]["id"]
    merged = merge(client, t, a, [b])
    assert merged["order_count"] == 8
    run(factory, session, t, "Company,License #,Total Orders,Total Spent\nNorth Co,NO-1,6,600\n")
    undo(client, t, merged["merge_id"])
    survivor = client.get(f"/api/v1/customers/{a}", headers=t.headers).json()
    restored = client.get(f"/api/v1/customers/{b}", headers=t.headers).json()
    assert (survivor["order_count"], survivor["total_spent"]) == (6, "600.00")
    assert (restored["order_count"], restored["total_spent"]) == (3, "300.00")


def test_the_kept_subscription_keeps_its_date(client, factory):
    t = factory.tenant()
    a = factory.customer(t, company_name="Quiet Co")
    b = factory.customer(t, company_name="Loud Co", subscription=True)
    merged = merge(client, t, a["id"], [b["id"]], keep={"subscription": b["id"]})
    assert merged["subscription"] is True and merged["subscribed_at"] == b["subscribed_at"]


def test_undo_never_leaves_a_mixed_address(client, factory):
    t = factory.tenant()
    a = factory.customer(t, address1="1 A St", city="Alameda", zip="94501")
    b = factory.customer(t, address1="9 B Ave", city="Berkeley", zip="94704")
    merged = merge(client, t, a["id"], [b["id"]])
    assert (merged["address1"], merged["city"]) == ("9 B Ave", "Berkeley")
    client.patch(f"/api/v1/customers/{a['id']}", json={"city": "Oakland"},
                 headers={**t.headers, "If-Match": f'"{merged["version"]}"'})
    undo(client, t, merged["merge_id"])
    survivor = client.get(f"/api/v1/customers/{a['id']}", headers=t.headers).json()
    assert (survivor["address1"], survivor["city"], survivor["zip"]) == (
        "9 B Ave", "Oakland", "94704")


def test_imported_order_dates_survive_a_merge_and_its_undo(client, factory, session):
    t = factory.tenant()
    run(factory, session, t, "Company,License #,Total Orders,Total Spent\n"
                             "North Co,NO-1,5,500\n")
    a = client.get("/api/v1/customers", headers=t.headers).json()["items"][0]
    stamped = "2024-03-01T00:00:00Z"
    session.execute(update(Customer).where(Customer.tenant_id == t.id, Customer.id == a["id"])
                    .values(first_order_at=datetime(2024, 3, 1, tzinfo=UTC),
                            last_order_at=datetime(2024, 9, 1, tzinfo=UTC)))
    session.commit()
    b = factory.customer(t, company_name="North Company")
    post(client, t, order("NB-1", "10.00", license_number=b["license_number"],
                          at="2025-01-02T00:00:00Z"))
    merged = merge(client, t, a["id"], [b["id"]])
    assert merged["first_order_at"] == stamped  # the imported history's, not lost
    assert merged["last_order_at"] == "2025-01-02T00:00:00Z"
    assert merged["order_count"] == 6
    undo(client, t, merged["merge_id"])
    survivor = client.get(f"/api/v1/customers/{a['id']}", headers=t.headers).json()
    assert (survivor["first_order_at"], survivor["last_order_at"], survivor["order_count"]) \
        == (stamped, "2024-09-01T00:00:00Z", 5)


def test_undo_gives_the_survivor_its_consent_date_back(client, factory):
    t = factory.tenant()
    a = factory.customer(t, company_name="Loud Co", subscription=True)
    b = factory.customer(t, company_name="Quiet Co")
    merged = merge(client, t, a["id"], [b["id"]], keep={"subscription": b["id"]})
    assert merged["subscription"] is False and merged["subscribed_at"] is None
    undo(client, t, merged["merge_id"])
    survivor = client.get(f"/api/v1/customers/{a['id']}", headers=t.headers).json()
    assert survivor["subscription"] is True and survivor["subscribed_at"] == a["subscribed_at"]
