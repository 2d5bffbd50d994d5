"""CSV export of a view: every page, chosen columns, formulas neutralised, per tenant."""

import csv
import io
import re

from patronage.spreadsheets import neutralise


def _csv(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.text)))


def test_export_streams_every_page_with_the_chosen_columns(client, factory, monkeypatch):
    from patronage.customers import export

    monkeypatch.setattr(export, "BATCH", 2)  # force several keyset batches
    t = factory.tenant()
    for i in range(5):
        factory.customer(t, company_name=f"Shop {i}", state="CA" if i % 2 else "OR",
                         tags=["vip"] if i == 1 else [])
    other = factory.tenant()
    factory.customer(other, company_name="Not Mine", state="CA")
    table = _csv(client.get("/api/v1/customers/export",
                            params={"state": "CA", "sort": "name",
                                    "columns": "name,state,tags,total_spent"},
                            headers=t.headers))
    assert table[0] == ["Name", "State", "Tags", "Spent"]
    assert table[1:] == [["Shop 1", "CA", "vip", "0.00"], ["Shop 3", "CA", "", "0.00"]]


def test_export_without_filters_has_every_customer_of_the_tenant(client, factory):
    t = factory.tenant()
    ids = {factory.customer(t)["id"] for _ in range(3)}
    table = _csv(client.get("/api/v1/customers/export", params={"columns": "id,name"},
                            headers=t.headers))
    assert {int(row[0]) for row in table[1:]} == ids


def test_spreadsheet_formulas_are_neutralised(client, factory):
    t = factory.tenant()
    factory.customer(t, company_name="=HYPERLINK(\"http://evil\")", notes="-2+3")
    table = _csv(client.get("/api/v1/customers/export", params={"columns": "name,company_name"},
                            headers=t.headers))
    assert table[1] == ["'=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"]
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(risky) == "'" + risky
    assert neutralise("plain") == "plain"


def test_export_uses_the_members_columns_by_default(client, factory):
    t = factory.tenant()
    factory.customer(t, company_name="Shop", email="a@shop.example")
    client.put("/api/v1/me/columns", headers=t.headers, json={"columns": ["name", "email"]})
    table = _csv(client.get("/api/v1/customers/export", headers=t.headers))
    assert table == [["Name", "Email"], ["Shop", "a@shop.example"]]


def test_bad_export_parameters_are_422(client, factory):
    t = factory.tenant()
    assert client.get("/api/v1/customers/export", params={"columns": "shoe_size"},
                      headers=t.headers).status_code == 422
    assert client.get("/api/v1/customers/export", params={"sort": "colour"},
                      headers=t.headers).status_code == 422
    assert client.get("/api/v1/customers/export", params={"bogus": "1"},
                      headers=t.headers).status_code == 422


def test_times_are_exported_to_the_second_in_utc_and_dates_as_dates(client, factory):
    t = factory.tenant()
    factory.shopper(t, birthday="1990-02-03")
    text = client.get("/api/v1/customers/export", headers=t.headers,
                      params={"columns": "name,registered_at,birthday"}).text
    header, row = text.splitlines()[:2]
    registered, birthday = row.split(",")[1:3]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", registered), row
    assert birthday == "1990-02-03"


def test_the_stores_column_names_the_stores_ordered_from(client, factory):
    from tests.events.test_events import order, post

    t = factory.tenant()
    made = factory.customer(t, license_number="ST-1")
    post(client, t, order("ST-O1", license_number="ST-1"))
    text = client.get("/api/v1/customers/export", headers=t.headers,
                      params={"columns": "name,stores"}).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Stores"] and rows[1] == [made["display_name"], "Main"]


def test_a_download_holds_one_connection_at_a_time(client, factory, monkeypatch):
    """The member's columns are read with the request's own session, which then ends its
    transaction before the stream reads with its own: on PostgreSQL a request otherwise
    keeps its transaction to the end (db.between_threads), and an export would hold two
    connections of the pool at once (capacity)."""
    from patronage.customers import export, saved
    from patronage.db import get_engine

    t = factory.tenant()
    factory.customer(t, company_name="Streamed")
    pool = get_engine().pool
    before = pool.checkedout()
    seen = {}
    real_columns, real_rows = saved.get_columns, export.rows

    def get_columns(session, principal):
        found = real_columns(session, principal)
        seen["columns"] = pool.checkedout()  # the request's session alone
        return found

    def rows(session, **kwargs):
        seen["stream"] = pool.checkedout()  # the stream's own session alone
        yield from real_rows(session, **kwargs)
    monkeypatch.setattr(saved, "get_columns", get_columns)
    monkeypatch.setattr(export, "rows", rows)
    table = _csv(client.get("/api/v1/customers/export", headers=t.headers))
    assert any("Streamed" in row for row in table[1:])
    assert seen["columns"] <= before + 1 and seen["stream"] <= before + 1, (before, seen)
