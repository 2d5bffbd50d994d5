"""SQLite query plans for the directory's main shapes: a lost index fails the build."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from patronage.customers import queries
from tests.customers.page_statements import page_statements


@pytest.fixture
def plans(factory, session, monkeypatch):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on statistics")
    # The plans as the indexes alone decide them: statistics that an earlier test's import
    # left, or the pool's PRAGMA optimize took, describe the tests' data, not a directory
    # (bench/directory.py measures plans with the statistics of a real one).
    from patronage import db

    monkeypatch.setattr(db, "OPTIMIZE_EVERY", 10**9)
    session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    session.execute(text("ANALYZE sqlite_schema"))  # reload: the connection forgets them
    session.commit()
    t = factory.tenant()
    factory.customer(t, company_name="Plan Co", state="CA", tags=["vip"], subscription=True)
    db.bind_tenant(session, t.id)  # as every request's session is (db.TenantScoped)

    def run(sort: str | None = None, **filters):
        captured = page_statements(session, t.id, sort, filters)
        raw = session.connection().connection.driver_connection
        out: dict[str, str] = {}
        for sql, params in captured:
            kind = ("count" if "count(*)" in sql else
                    "page" if "ORDER BY" in sql and sql.startswith("SELECT customers.id")
                    else "other")
            plan = " | ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            out[kind] = (out.get(kind, "") + " || " + plan).strip(" |")
        return out
    run.tenant = t  # type: ignore[attr-defined]
    return run


# The statistics of bench/directory.py's file (ANALYZE on 1,000,000 customers in `demo`,
# 100,000 next door, 7 in 10 with a birthday, all in the US), index by index.
A_MILLION = {
    "ix_customers_age_limited": "1100000 550000 275000 1",
    "ix_customers_birthday": "769886 384943 22 1",
    "ix_customers_birthday_month_day": "769886 384943 1146 1",
    "ix_customers_country": "1100000 550000 550000 1",
    "ix_customers_membership_id": "165038 82519 1 1",
    "ix_customers_risk_level": "769886 384943 128315 1",
    "ix_customers_shopper_level": "550202 275101 68776 1",
    "ix_customers_sort_city": "1100000 550000 20371 1",
    "ix_customers_sort_created_at": "1100000 550000 1 1",
    "ix_customers_sort_email": "1100000 550000 1 1",
    "ix_customers_sort_external_id": "1100000 550000 4 1",
    "ix_customers_sort_first_order_at": "1100000 550000 2 1",
    "ix_customers_sort_last_activity_at": "1100000 550000 1 1",
    "ix_customers_sort_last_login_at": "1100000 550000 2 1",
    "ix_customers_sort_last_order_at": "1100000 550000 2 1",
    "ix_customers_sort_license_expires_on": "1100000 550000 14865 1",
    "ix_customers_sort_license_key": "1100000 550000 4 1",
    "ix_customers_sort_license_type_id": "1100000 550000 110000 1",
    "ix_customers_sort_master_store_id": "1100000 550000 183334 1",
    "ix_customers_sort_order_count": "1100000 550000 1023 1",
    "ix_customers_sort_registered_at": "1100000 550000 2 1",
    "ix_customers_sort_sales_rep_id": "1100000 550000 137500 1",
    "ix_customers_sort_sort_name": "1100000 550000 14 1",
    "ix_customers_sort_state": "1100000 550000 32353 1",
    "ix_customers_sort_status_id": "1100000 550000 183334 1",
    "ix_customers_sort_total_spent_cents": "1100000 550000 3 1",
    "ix_customers_sort_type": "1100000 550000 183334 1",
    "ix_customers_sort_updated_at": "1100000 550000 1 1",
    "ix_customers_sort_zip": "1100000 550000 197 1",
    "ix_customers_state_spent": "1100000 550000 32353 2 1",
    "ix_customers_subscription_spent": "1100000 550000 275000 3 1",
    "ix_customers_tenant_email": "1100000 550000 1",
    "ix_customers_tenant_phone": "1100000 550000 1",
    "sqlite_autoindex_customers_1": "1100000 550000 1",
    "uq_customers_tenant_external_id": "323989 161995 1",
    "uq_customers_tenant_license_key": "330114 165057 1",
}


@pytest.fixture
def as_a_million(session):
    """Give the planner the statistics of a million-customer directory (after the test's
    rows are in); dropped afterwards, so no later test on this database plans with them."""
    def give() -> None:
        session.execute(text("ANALYZE"))
        session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'customers'"))
        for index, stat in A_MILLION.items():
            session.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) "
                                 "VALUES ('customers', :index, :stat)"),
                            {"index": index, "stat": stat})
        session.execute(text("ANALYZE sqlite_schema"))  # reload them
        session.commit()
    yield give
    session.rollback()
    session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    session.execute(text("ANALYZE sqlite_schema"))
    session.commit()


def _no_table_scan(plan: str) -> None:
    assert "SCAN customers" not in plan.replace("SCAN customers USING", ""), plan


@pytest.mark.parametrize("sort,filters,page_index,count_index", [
    (None, {}, "sqlite_autoindex_customers_1", None),  # UNIQUE (tenant_id, id)
    ("-last_order_at", {}, "ix_customers_sort_last_order_at", None),
    ("name", {}, "ix_customers_sort_sort_name", None),
    ("-total_spent", {}, "ix_customers_sort_total_spent_cents", None),
    (None, {"status": [1]}, "ix_customers_sort_status_id", "ix_customers_sort_status_id"),
    (None, {"type": ["business"]}, "ix_customers_sort_type", "ix_customers_sort_type"),
    ("-last_order_at", {"state": ["CA"], "spent_min": 100}, "ix_customers_state_spent",
     "ix_customers_state_spent"),
    ("license_expires_on", {}, "ix_customers_sort_license_expires_on", None),
    ("-first_order_at", {}, "ix_customers_sort_first_order_at", None),
    (None, {"license_expires_within": 30}, "ix_customers_sort_license_expires_on",
     "ix_customers_sort_license_expires_on"),
    (None, {"membership_id": "M-1"}, "ix_customers_membership_id",
     "ix_customers_membership_id"),
    (None, {"risk_level": ["high"]}, "ix_customers_risk_level", "ix_customers_risk_level"),
    (None, {"shopper_level": ["Platinum"]}, "ix_customers_shopper_level",
     "ix_customers_shopper_level"),
    (None, {"country": ["ca"]}, "ix_customers_country", "ix_customers_country"),
    (None, {"age_limited": True}, "ix_customers_age_limited", "ix_customers_age_limited"),
    (None, {"birthday_month": 6}, "ix_customers_birthday_month_day",
     "ix_customers_birthday_month_day"),
    (None, {"birthday_from": "1980-01-01", "birthday_to": "1989-12-31"},
     "ix_customers_birthday", "ix_customers_birthday"),
    (None, {"birthday_within": 30}, "sqlite_autoindex_customers_1",
     "ix_customers_birthday_month_day"),
])
def test_list_queries_use_their_index_and_never_sort_the_table(plans, monkeypatch, sort,
                                                               filters, page_index,
                                                               count_index):
    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)  # as if more matches than a sort takes
    got = plans(sort, **filters)
    assert page_index in got["page"], got["page"]
    # Few matches (a state's big spenders, licenses expiring, birthdays this month): sorted.
    if page_index != "ix_customers_state_spent" and not {
            "license_expires_within", "birthday_month", "birthday_from"} & set(filters):
        assert "TEMP B-TREE" not in got["page"], got["page"]
    _no_table_scan(got["page"])
    if count_index:
        assert count_index in got["count"], got["count"]
        _no_table_scan(got["count"])
    else:
        assert "count" not in got  # the unfiltered total comes from the counter


@pytest.mark.parametrize("filters", [{"birthday_within": 30}, {"birthday_month": 12}])
def test_birthdays_soon_probe_the_month_day_index(factory, plans, as_a_million, monkeypatch,
                                                  filters):
    """The next N days are one probe of the month-day index per day (over New Year's Eve
    too, where a range would be an OR no index answers), under the statistics a million
    customers leave (7 in 10 with a birthday, bench/directory.py's file)."""
    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    factory.customer(plans.tenant, birthday="1990-12-24")
    as_a_million()
    got = plans(None, **filters)
    assert "ix_customers_birthday_month_day (tenant_id=? AND <expr>" in got["count"], got
    _no_table_scan(got["page"])


@pytest.mark.parametrize("sort", [None, "-last_order_at"])
def test_few_matches_are_found_through_their_index_whatever_the_statistics_say(
        factory, plans, as_a_million, sort):
    """Statistics average over values: where every customer is in the US, Canada looks as
    common, and SQLite walked every id (0.4 s at a million) to find none. A counted few are
    fetched through the filter's index and sorted."""
    factory.customer(plans.tenant, country="US")
    as_a_million()
    got = plans(sort, country=["CA"])
    assert "ix_customers_country (tenant_id=? AND country=?)" in got["page"], got["page"]


def test_sorted_search_goes_through_the_trigram_index(plans):
    got = plans("name", q="plan co")
    for kind in ("page", "count"):
        assert "customer_search VIRTUAL TABLE" in got[kind], got[kind]
        _no_table_scan(got[kind])


def test_many_matches_walk_the_sort_index_instead_of_sorting_them(plans, monkeypatch):
    from patronage.customers import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 0)  # every match is now "too many to count"

    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    got = plans("-last_order_at", state=["CA"], type=["business"])
    assert "ix_customers_sort_last_order_at" in got["page"], got["page"]
    assert "TEMP B-TREE" not in got["page"], got["page"]


def test_many_licenses_expiring_start_the_walk_at_the_window(plans, monkeypatch):
    """Past the count cap, sorted by expiry, the window itself bounds the walk of the expiry
    index (a hidden range would walk every customer without a license first); the other
    filters are checked per row."""
    monkeypatch.setattr(queries, "COUNT_CAP", 0)
    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    got = plans("license_expires_on", license_expires_within=30, type=["business"])
    assert "ix_customers_sort_license_expires_on (tenant_id=? AND license_expires_on>? " \
           "AND license_expires_on<?)" in got["page"], got["page"]
    assert "TEMP B-TREE" not in got["page"], got["page"]


def test_search_reads_the_trigram_index_newest_first_without_sorting(plans):
    got = plans(None, q="plan co")
    assert "customer_search VIRTUAL TABLE" in got["page"], got["page"]
    assert "TEMP B-TREE" not in got["page"], got["page"]


def test_subscribers_by_spend_walk_their_composite_index(plans, monkeypatch):
    from patronage.customers import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 0)

    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    got = plans("-total_spent", subscription=True, tag=["vip"])
    assert "ix_customers_subscription_spent" in got["page"], got["page"]
    assert "TEMP B-TREE" not in got["page"], got["page"]


def test_many_matches_walk_the_sort_index_and_probe_tags_per_row(plans, monkeypatch):
    """Past the count cap the page walks the sort's index (here the subscription composite)
    and checks each row's tag with one probe, never listing every member of a big tag."""
    monkeypatch.setattr(queries, "COUNT_CAP", 0)  # as if there were more than the cap
    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    got = plans("-total_spent", tag=["vip"], subscription=True)
    assert "ix_customers_subscription_spent" in got["page"], got["page"]
    assert "customer_tags" in got["page"] and "customer_id=?" in got["page"], got["page"]
    assert "LIST SUBQUERY" not in got["page"] and "TEMP B-TREE" not in got["page"], got["page"]


@pytest.mark.parametrize("sort", [None, "id"])
def test_many_matches_of_a_name_filter_are_read_off_the_search_index_in_id_order(
        plans, monkeypatch, sort):
    """Past the count cap a name (email, phone) filter in id order reads the trigram index
    in rowid order and stops at the page, never listing every match of a common fragment."""
    monkeypatch.setattr(queries, "COUNT_CAP", 0)
    monkeypatch.setattr(queries, "FEW_TO_SORT", -1)
    got = plans(sort, name="plan", state=["CA"])
    assert got["page"].startswith("SCAN customer_search VIRTUAL TABLE"), got["page"]
    assert "LIST SUBQUERY" not in got["page"] and "TEMP B-TREE" not in got["page"], got["page"]
