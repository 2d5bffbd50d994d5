"""Tenant isolation driven from the app's own route table, so that a route added later
without an entry here fails instead of going unchecked.

Every route of the app (the API under /api/v1 and the admin pages) is listed from
``fastapi.routing.iter_route_contexts`` (FastAPI >= 0.137 includes routers lazily: ``app.routes``
holds ``_IncludedRouter`` wrappers, not the endpoints) and falls in one of these tests:

* a route with an id in its path, for every method: tenant B asks for tenant A's object and for
  an id that exists nowhere; both must answer exactly alike (404, the same body once the id is
  put back) and A's object and A's data must be unchanged afterwards. An id parameter without
  an entry in ``OWNERS`` fails, naming the route.
* a GET without path parameters (lists, counts, exports, pages): B's answer never contains A's
  marker; where it lists B's data it shows B's own marker (the check is not vacuous), and the
  customer list and export count only B's customers.
* any other route (writes without an id in the path): a check in ``WRITES`` that B's input
  naming A's data (A's license number, idempotency key, view and list names, A's ids in the
  body) is answered as if A did not exist, or a reason it has nothing to isolate.

Ids that travel in the query string (the directory filters, ``?view=``) or in a body (the
customer's references, bulk ``ids`` and ``value``) get the same "alike a missing id" check,
driven from ``CustomerFilters`` and ``customers.fields.REFERENCES``; the search box, given
what only A's customers hold (name, license, email, phone, external id), answers B exactly as
for a term nobody holds.

"A unchanged" is checked on every row of every table with a ``tenant_id`` (and a refused
request must not have written to B's rows either), besides A's own reads of the object.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import quote, quote_plus

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from starlette.routing import Route

from patronage.app import create_app
from patronage.customers.bulk_edit import SETTABLE
from patronage.customers.fields import REFERENCES
from patronage.customers.filters import CustomerFilters
from patronage.duplicates import scans
from patronage.imports import jobs
from patronage.settings_lists.kinds import KINDS
from tests.factories import PASSWORD, Factory, TenantCtx, csrf_of

MISSING = 999999999
A_MARK = "Qzxalphaonly"  # in everything tenant A owns; never in an answer to tenant B
B_MARK = "Qzxbetaonly"
_seq = itertools.count(1)

# --------------------------------------------------------------------------- the route table


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as routed, e.g. /api/v1/customers/{customer_id}
    params: tuple[str, ...]

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _route_table() -> tuple[list[Endpoint], list[tuple[str, str]]]:
    """(every method of every HTTP route, with its full path), (anything else: mounts)."""
    endpoints: list[Endpoint] = []
    others: list[tuple[str, str]] = []
    for ctx in iter_route_contexts(create_app().routes):
        route = ctx.original_route
        if not isinstance(route, Route):  # APIRoute is a Route; a Mount is not
            others.append((type(route).__name__, str(ctx.path)))
            continue
        path = str(ctx.path_format)
        params = tuple(re.findall(r"\{(\w+)(?::\w+)?\}", path))
        for method in sorted(set(ctx.methods or ()) - {"HEAD"}):  # HEAD is GET's twin
            endpoints.append(Endpoint(method, path, params))
    return endpoints, others


ENDPOINTS, OTHER_ROUTES = _route_table()
# Things mounted beside the routes; they hold no tenant data.
MOUNTS = {"/static": "the CSS, JS and images of the admin: files, no tenant data"}

# Path parameters that are not row ids: each case is tried with every value.
NON_ID_PARAMS: dict[str, list[str]] = {"slug": list(KINDS)}


def _expand(endpoint: Endpoint) -> Iterator[tuple[Endpoint, str]]:
    """(endpoint, path with the non-id parameters filled in), one per combination."""
    fixed = [p for p in endpoint.params if p in NON_ID_PARAMS]
    for values in itertools.product(*(NON_ID_PARAMS[p] for p in fixed)):
        path = endpoint.path
        for name, value in zip(fixed, values, strict=True):
            path = path.replace(f"{{{name}}}", value)
        yield endpoint, path


ID_CASES = [pytest.param(e, path, id=f"{e.method} {path}")
            for e in ENDPOINTS if set(e.params) - set(NON_ID_PARAMS) for _, path in _expand(e)]
COLLECTION_CASES = [pytest.param(e, id=str(e)) for e in ENDPOINTS
                    if e.method == "GET" and not e.params]
WRITE_CASES = [pytest.param(e, path, id=f"{e.method} {path}") for e in ENDPOINTS
               if e.method != "GET" and not set(e.params) - set(NON_ID_PARAMS)
               for _, path in _expand(e)]

# --------------------------------------------------------------------------- the two tenants


@dataclass
class Side:
    """One tenant as these tests see it: an API token, a signed-in admin session, data."""

    ctx: TenantCtx
    mark: str
    admin: Any  # a TestClient signed in to the admin as this tenant's admin
    csrf: str
    user_id: int = 0
    customers: list[dict[str, Any]] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)
    job: dict[str, Any] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return self.ctx.headers


@dataclass
class World:
    api: Any
    a: Side
    b: Side


def _sign_in(admin: Any, ctx: TenantCtx) -> str:
    page = admin.get("/login")
    signed = admin.post("/login", data={"workspace": ctx.slug, "email": ctx.email,
                                        "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                        "next": "/customers"}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return csrf_of(admin.get("/customers").text)  # the session's token after sign-in


def _ok(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def _new_customer(api: Any, side: Side) -> dict[str, Any]:
    n = next(_seq)
    customer = _ok(api.post("/api/v1/customers", headers=side.headers, json={
        "type": "business", "company_name": f"{side.mark} Goods {n}",
        "license_number": f"LIC-{n:06d}", "notes": f"{side.mark} notes"}), 201)
    _ok(api.post(f"/api/v1/customers/{customer['id']}/activities", headers=side.headers,
                 json={"kind": "call", "subject": f"{side.mark} call {n}"}), 201)
    side.customers.append(customer)  # every customer the tenant has, for the list checks
    return customer


# A shopper per tenant, matched by events and imports by external id, email or phone.
SHOPPERS = {A_MARK: ("(415) 555-0134", "qzxalpha"), B_MARK: ("(212) 555-0177", "qzxbeta")}


def _new_shopper(api: Any, side: Side) -> dict[str, Any]:
    phone, key = SHOPPERS[side.mark]
    shopper = _ok(api.post("/api/v1/customers", headers=side.headers, json={
        "type": "registered", "first_name": "Ana", "last_name": f"{side.mark} Shopper",
        "email": f"{key}.shopper@example.com", "phone": phone, "external_id": f"{key}-ext",
        "address1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105"}),
        201)
    side.customers.append(shopper)
    return shopper


def _new_view(api: Any, side: Side) -> dict[str, Any]:
    return _ok(api.post("/api/v1/views", headers=side.headers, json={
        "name": f"{side.mark} view {next(_seq)}", "query": "state=CA", "shared": True}), 201)


def _import_csv(side: Side, n: int) -> bytes:
    return (f"Company,License #,Email\n{side.mark} Imported {n},{side.mark}-IMP-{n},"
            f"buyer{n}@example.com\nBroken {side.mark},,nope@\n").encode()


def _finished(api: Any, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    for _ in range(300):
        jobs.wait(job_id, 0.1)
        body = _ok(api.get(f"/api/v1/imports/{job_id}", headers=headers), 200)
        if body["status"] != "running":
            return body
        time.sleep(0.01)
    raise AssertionError(f"import {job_id} never finished")


def _new_import(api: Any, side: Side) -> dict[str, Any]:
    n = next(_seq)
    job = _ok(api.post("/api/v1/imports", headers=side.headers, data={"dry_run": "true"},
                       files={"file": (f"{side.mark}-{n}.csv", _import_csv(side, n),
                                       "text/csv")}), 202)
    done = _finished(api, side.headers, job["id"])
    assert done["status"] == "done", done
    return done


# A valid new item of each tenant-defined list (a new list kind needs one here).
ITEM_BODIES: dict[str, Callable[[str, int], dict[str, Any]]] = {
    "statuses": lambda mark, n: {"name": f"{mark} status {n}", "colour": "#123456"},
    "payment-terms": lambda mark, n: {"name": f"{mark} terms {n}", "days": 15},
    "license-types": lambda mark, n: {"name": f"{mark} licence {n}",
                                      "product_categories": ["flower"]},
    "stores": lambda mark, n: {"name": f"{mark} store {n}", "code": f"{mark.lower()}-{n}"},
}


def _new_item(api: Any, side: Side, slug: str) -> dict[str, Any]:
    if slug not in ITEM_BODIES:
        pytest.fail(f"The list kind '{slug}' has no sample in ITEM_BODIES: add one.")
    return _ok(api.post(f"/api/v1/settings/{slug}", headers=side.headers,
                        json=ITEM_BODIES[slug](side.mark, next(_seq))), 201)


def _populate(api: Any, side: Side) -> None:
    side.user_id = _ok(api.get("/api/v1/me", headers=side.headers), 200)["user_id"]
    _new_customer(api, side)
    _new_shopper(api, side)
    first = side.customers[0]
    # An order for that customer (matched by its license), with an idempotency key that
    # the other tenant reuses in its own events.
    _ok(api.post("/api/v1/events", headers={**side.headers, "Idempotency-Key": "shared-key"},
                 json=_order("SO-SHARED-1", first["license_number"])), 201)
    side.view = _new_view(api, side)
    side.job = _new_import(api, side)
    side.items = {slug: _new_item(api, side, slug) for slug in KINDS}


def _order(number: str, license_number: str, company: str | None = None) -> dict[str, Any]:
    customer: dict[str, Any] = {"license_number": license_number}
    if company:
        customer["company_name"] = company
    return {"type": "order.placed", "occurred_at": "2026-01-05T10:00:00Z", "customer": customer,
            "data": {"number": number, "store": "main", "status": "placed", "total": "10.00",
                     "lines": [{"sku": "F-1", "name": "Flower 1g", "category": "flower",
                                "quantity": 1, "unit_price": "10.00"}]}}


@pytest.fixture(scope="module")
def world(app) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from patronage.db import new_session

    session = new_session()
    try:
        with TestClient(app) as api, TestClient(app) as admin_a, TestClient(app) as admin_b:
            factory = Factory(api, session)
            sides = []
            for mark, admin in ((A_MARK, admin_a), (B_MARK, admin_b)):
                ctx = factory.tenant()
                side = Side(ctx, mark, admin, _sign_in(admin, ctx))
                _populate(api, side)
                sides.append(side)
            yield World(api, *sides)
    finally:
        session.close()


# --------------------------------------------------------------------------- ids in the path


@dataclass
class Owned:
    """An object made for a test, and the API reads that show its state."""

    id: int
    reads: list[str]


# (world, tenant, path, fresh) -> the tenant's object; ``fresh`` for a method that may change
# it (a GET reads the one the world made, which saves time).
Maker = Callable[[World, Side, str, bool], Owned]


def _customer(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    c = (_new_customer(w.api, side) if fresh else side.customers[0])["id"]
    base = f"/api/v1/customers/{c}"
    return Owned(c, [base, f"{base}/history", f"{base}/activities"])


def _merge(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    survivor, merged = _new_customer(w.api, side)["id"], _new_customer(w.api, side)["id"]
    made = _ok(w.api.post(f"/api/v1/customers/{survivor}/merge", headers=side.headers,
                          json={"duplicate_ids": [merged]}), 200)
    side.customers[:] = [c for c in side.customers if c["id"] != merged]  # gone
    return Owned(made["merge_id"], [f"/api/v1/merges/{made['merge_id']}",
                                    f"/api/v1/customers/{survivor}"])


def _view(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    v = (_new_view(w.api, side) if fresh else side.view)["id"]
    return Owned(v, [f"/api/v1/views/{v}"])


def _import(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    j = (_new_import(w.api, side) if fresh else side.job)["id"]
    return Owned(j, [f"/api/v1/imports/{j}"])


def _list_item(w: World, side: Side, path: str, fresh: bool) -> Owned:
    slug = path.split("/settings/", 1)[1].split("/", 1)[0]
    i = (_new_item(w.api, side, slug) if fresh else side.items[slug])["id"]
    return Owned(i, [f"/api/v1/settings/{slug}/{i}"])


def _member(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    made = _ok(w.api.post("/api/v1/users", headers=side.headers, json={
        "email": f"member{next(_seq)}.{side.mark.lower()}@example.com",
        "name": f"{side.mark} Member", "role": "sales_rep"}), 201)
    return Owned(made["id"], ["/api/v1/users"])


def _token(w: World, side: Side, _path: str, fresh: bool) -> Owned:
    made = _ok(w.api.post("/api/v1/tokens", headers=side.headers,
                          json={"name": f"{side.mark} token {next(_seq)}"}), 201)
    return Owned(made["id"], ["/api/v1/tokens"])


# (path prefix, parameter) -> what makes the tenant's object that the parameter names. The
# longest matching prefix wins. A route with an id parameter none of these names fails.
OWNERS: dict[tuple[str, str], Maker] = {
    ("/api/v1/customers/", "customer_id"): _customer,
    ("/customers/", "customer_id"): _customer,
    ("/api/v1/merges/", "merge_id"): _merge,
    ("/customers/merges/", "merge_id"): _merge,
    ("/api/v1/views/", "view_id"): _view,
    ("/customers/views/", "view_id"): _view,
    ("/api/v1/imports/", "import_id"): _import,
    ("/imports/", "import_id"): _import,
    ("/api/v1/settings/", "item_id"): _list_item,
    ("/settings/", "item_id"): _list_item,
    ("/api/v1/users/", "user_id"): _member,
    ("/api/v1/tokens/", "token_id"): _token,
    ("/settings/team/members/", "user_id"): _member,
    ("/settings/team/tokens/", "token_id"): _token,
}


def _fill(path: str, values: dict[str, int]) -> str:
    for name, value in values.items():
        path = path.replace(f"{{{name}}}", str(value))
    return path


def _owner(path: str, param: str) -> Maker | None:
    known = [(prefix, maker) for (prefix, name), maker in OWNERS.items()
             if name == param and path.startswith(prefix)]
    return max(known, key=lambda pm: len(pm[0]))[1] if known else None


# A request each route accepts once the id is found (without one, a route might refuse the
# body before it looks the id up, and "alike" would prove nothing). Admin POSTs also get the
# session's CSRF token. Keys are (method, fnmatch pattern of the routed path).
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    # A fragment htmx asks for (opened by hand, it leads to its page).
    ("GET", "/imports/{import_id}/progress"): {"headers": {"HX-Request": "true"}},
    ("PATCH", "/api/v1/customers/{customer_id}"): {
        "json": {"notes": "hijacked"}, "headers": {"If-Match": '"1"'}},
    ("DELETE", "/api/v1/customers/{customer_id}"): {"headers": {"If-Match": '"1"'}},
    ("POST", "/api/v1/customers/{customer_id}/merge"): {
        "json": {"duplicate_ids": [MISSING - 1]}},
    ("POST", "/api/v1/customers/{customer_id}/activities"): {
        "json": {"kind": "note", "subject": "hijacked"}},
    ("PATCH", "/api/v1/views/{view_id}"): {"json": {"name": "Hijacked", "shared": False}},
    ("POST", "/api/v1/imports/{import_id}:commit"): {"json": {}},
    ("PATCH", "/api/v1/settings/*/{item_id}"): {"json": {"name": "Hijacked"}},
    ("POST", "/customers/{customer_id}/activities"): {
        "data": {"kind": "note", "subject": "hijacked"}},
    ("POST", "/customers/{customer_id}/edit"): {
        "data": {"type": "business", "company_name": "Hijacked", "version": "1"}},
    ("POST", "/settings/{slug}/{item_id}"): {"data": {"name": "Hijacked"}},
    ("POST", "/imports/{import_id}/run"): {"data": {"action": "commit"}},
    ("PATCH", "/api/v1/users/{user_id}"): {"json": {"role": "viewer"}},
    ("POST", "/settings/team/members/{user_id}/role"): {"data": {"role": "viewer"}},
    ("POST", "/api/v1/customers/{customer_id}/register"): {"json": {"first_name": "Hijacked"}},
    ("POST", "/customers/{customer_id}/register"): {"data": {"first_name": "Hijacked"}},
}


def _request_for(endpoint: Endpoint) -> dict[str, Any]:
    for (method, pattern), spec in REQUESTS.items():
        if method == endpoint.method and fnmatchcase(endpoint.path, pattern):
            return spec
    return {}


def _send(w: World, side: Side, method: str, path: str, spec: dict[str, Any],
          query: dict[str, Any] | None = None) -> Any:
    """``path`` as ``side``: the API with its token, a page in its admin session."""
    if path.startswith("/api/"):
        return w.api.request(method, path, params=query, json=spec.get("json"),
                             data=spec.get("data"),
                             headers={**side.headers, **spec.get("headers", {})})
    data = spec.get("data")
    if method == "POST":
        data = {**(data or {}), "csrf_token": side.csrf}
    return side.admin.request(method, path, params=query, data=data, json=spec.get("json"),
                              headers=spec.get("headers"), follow_redirects=False)


def _alike(theirs: Any, missing: Any, their_id: int | str, what: str) -> None:
    """Exactly the answer a missing id gets: status, media type, and every byte once the
    id sent is put back in place of the missing one."""
    assert theirs.status_code == missing.status_code, (
        f"{what}: another tenant's id answers {theirs.status_code}, a missing one "
        f"{missing.status_code}:\n{theirs.text[:600]}")
    assert theirs.headers.get("content-type") == missing.headers.get("content-type"), what
    assert theirs.text == missing.text.replace(str(MISSING), str(their_id)), (
        f"{what}: another tenant's id is answered differently from a missing one:\n"
        f"theirs:  {theirs.text[:600]}\nmissing: {missing.text[:600]}")


# Written by every authenticated request, so not "a change to the tenant's data".
TOUCHED_BY_READS = {("api_tokens", "last_used_at")}


def _rows(tenant_id: int) -> dict[str, list[str]]:
    """Every row the tenant has, in every table: any write a refused request made shows."""
    import patronage.models  # noqa: F401  (every table in the metadata)
    from patronage.db import Base, new_session

    with new_session() as session:
        return {table.name: sorted(repr(tuple(v for c, v in row._mapping.items()
                                              if (table.name, c) not in TOUCHED_BY_READS))
                                   for row in session.execute(
                                       select(table).where(table.c.tenant_id == tenant_id)))
                for table in Base.metadata.sorted_tables if "tenant_id" in table.c}


def _state(w: World, side: Side, reads: list[str]) -> tuple[list[Any], dict[str, list[str]]]:
    """What ``side`` reads of the objects, and every row of its data."""
    return [_ok(w.api.get(url, headers=side.headers), 200) for url in reads], _rows(side.ctx.id)


def _never_shows(response: Any, mark: str | Side, what: str) -> None:
    """None of the tenant's marks: its marker, and (given the tenant) its workspace and its
    admin's email, which carry no marker."""
    marks = [mark] if isinstance(mark, str) else [mark.mark, mark.ctx.slug, mark.ctx.email]
    for m in marks:
        assert m not in response.text, f"{what} shows the other tenant's data ({m}):\n" \
            f"{response.text[max(0, response.text.find(m) - 300):][:600]}"


@pytest.mark.parametrize(("endpoint", "path"), ID_CASES)
def test_another_tenants_id_is_answered_like_a_missing_one(world: World, endpoint: Endpoint,
                                                           path: str) -> None:
    w, a, b = world, world.a, world.b
    id_params = [p for p in endpoint.params if p not in NON_ID_PARAMS]
    makers = {p: _owner(endpoint.path, p) for p in id_params}
    unknown = [p for p, maker in makers.items() if maker is None]
    if unknown:
        pytest.fail(f"{endpoint.method} {path}: no factory in OWNERS for "
                    f"{', '.join('{' + p + '}' for p in unknown)}; add what makes the object "
                    "it names, so this route's tenant isolation is tested.")
    spec = _request_for(endpoint)
    fresh = endpoint.method != "GET"
    owned = {p: maker(w, a, path, fresh) for p, maker in makers.items() if maker}
    reads = [url for o in owned.values() for url in o.reads]
    before, b_before = _state(w, a, reads), _rows(b.ctx.id)

    theirs_path = _fill(path, {p: o.id for p, o in owned.items()})
    theirs = _send(w, b, endpoint.method, theirs_path, spec)
    for p, o in owned.items():  # each id in turn the missing one, the others A's
        missing_path = _fill(path, {q: MISSING if q == p else x.id for q, x in owned.items()})
        missing = _send(w, b, endpoint.method, missing_path, spec)
        assert missing.status_code == 404, (
            f"{endpoint.method} {path}: a missing {{{p}}} answers {missing.status_code}, not "
            f"404; if the request itself was refused, give the route a valid one in REQUESTS."
            f"\n{missing.text[:600]}")
        _alike(theirs, missing, o.id, f"{endpoint.method} {theirs_path}")
    _never_shows(theirs, a, f"{endpoint.method} {theirs_path} as the other tenant")

    assert _state(w, a, reads) == before, f"{endpoint.method} {theirs_path} by another " \
                                          "tenant changed the owner's data"
    assert _rows(b.ctx.id) == b_before, f"{endpoint.method} {theirs_path}, refused, still " \
                                        "wrote to the caller's own data"

    if endpoint.method == "GET":  # and B's own object shows B's data, none of A's
        mine = _fill(path, {p: maker(w, b, path, False).id for p, maker in makers.items()
                            if maker})
        own = _send(w, b, "GET", mine, spec)
        assert own.status_code == 200, own.text[:600]
        _never_shows(own, a, f"GET {mine} (the tenant's own)")


# --------------------------------------------------------------------------- collections

# GETs that list the tenant's data: B's answer must show B's marker (so the check that A's
# is absent is not vacuous).
SHOWS_OWN_DATA = {
    "/api/v1/customers", "/api/v1/customers/export", "/api/v1/views", "/api/v1/imports",
    *(f"/api/v1/settings/{slug}" for slug in KINDS),
    "/customers", "/customers/export", "/customers/new", "/settings", "/imports",
}


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("endpoint", COLLECTION_CASES)
def test_lists_and_pages_show_only_the_tenants_own_data(world: World,
                                                        endpoint: Endpoint) -> None:
    w, b = world, world.b
    response = _send(w, b, "GET", endpoint.path, {})
    assert response.status_code < 500, response.text[:600]
    _never_shows(response, world.a, f"GET {endpoint.path} as the other tenant")
    if endpoint.path in SHOWS_OWN_DATA:
        assert response.status_code == 200, response.text[:600]
        assert B_MARK in response.text, f"GET {endpoint.path} does not show the tenant's own " \
                                        "data, so it proves nothing about the other's"
    own_ids = sorted(c["id"] for c in b.customers)
    if endpoint.path == "/api/v1/customers":
        page = response.json()
        assert page["total"] == len(own_ids)
        assert sorted(c["id"] for c in page["items"]) == own_ids
    if endpoint.path.endswith("/customers/export"):
        assert len(_csv_rows(response.text)) == 1 + len(own_ids), response.text[:600]


def test_the_route_table_is_seen_whole() -> None:
    """Enumeration that silently went empty (as `app.routes` did in FastAPI 0.137) would make
    every test here pass vacuously; pin that it sees both the API and the admin pages, and
    that nothing is mounted beside them that this file does not know."""
    api = [e for e in ENDPOINTS if e.api]
    admin = [e for e in ENDPOINTS if not e.api]
    assert len(api) >= 40 and len(admin) >= 20, (len(api), len(admin))
    assert {"GET /api/v1/customers/{customer_id}", "POST /settings/{slug}/{item_id}/delete",
            "GET /imports/{import_id}/errors.csv"} <= {str(e) for e in ENDPOINTS}
    unknown = [(kind, path) for kind, path in OTHER_ROUTES if path not in MOUNTS]
    assert not unknown, f"routes this file does not know how to test: {unknown}"


# --------------------------------------------------------------------------- ids in the query

# The directory's filters, read by these routes from the query string.
FILTERED = ["/api/v1/customers", "/api/v1/customers/export", "/customers", "/customers/export"]


def _is_int(tp: Any) -> bool:
    return tp is int or (get_origin(tp) is Annotated and get_args(tp)[0] is int)


def _id_filters() -> list[str]:
    names = []
    for name, info in CustomerFilters.model_fields.items():
        for arm in get_args(info.annotation) or (info.annotation,):
            while get_origin(arm) is Annotated:  # a constrained list: its list
                arm = get_args(arm)[0]
            item = get_args(arm)[0] if get_origin(arm) is list else None
            if item is not None and (_is_int(item) or any(_is_int(a) for a in get_args(item))):
                names.append(name)
    # Found by type, so that a new id filter is covered; never silently fewer than these.
    assert {"id", "store", "master_store", "status", "sales_rep", "payment_terms",
            "license_type"} <= set(names), names
    return names


def _ref_owner(target: str) -> Callable[[Side], int] | None:
    """What a reference list name (REFERENCES values, filters) points at, for a tenant."""
    slug = target.replace("_", "-")
    if slug in KINDS:
        return lambda side: side.items[slug]["id"]
    if target == "users":
        return lambda side: side.user_id
    if target == "customers":
        return lambda side: side.customers[0]["id"]
    return None


# filter -> the reference list it names
FILTER_TARGETS = {"id": "customers", "store": "stores", "master_store": "stores",
                  "status": "statuses", "sales_rep": "users", "payment_terms": "payment_terms",
                  "license_type": "license_types"}


# every id filter on every filtered route; the admin list and export also take ?view=<id>
FILTER_CASES = [(route, name) for route in FILTERED for name in _id_filters()] + [
    (route, "view") for route in FILTERED if not route.startswith("/api/")]


@pytest.mark.parametrize(("route", "name"), FILTER_CASES)
def test_another_tenants_ids_in_filters_are_like_missing_ones(world: World, route: str,
                                                              name: str) -> None:
    w, a, b = world, world.a, world.b
    if name == "view":
        their_id = a.view["id"]
    else:
        owner = _ref_owner(FILTER_TARGETS.get(name, ""))
        if owner is None:
            pytest.fail(f"the filter '{name}' takes ids but FILTER_TARGETS does not say what "
                        "they name: add it")
        their_id = owner(a)
    theirs = _send(w, b, "GET", route, {}, {name: their_id})
    missing = _send(w, b, "GET", route, {}, {name: MISSING})
    assert missing.status_code < 500, missing.text[:600]
    _alike(theirs, missing, their_id, f"GET {route}?{name}=<the other tenant's id>")
    _never_shows(theirs, a, f"GET {route}?{name}=<the other tenant's id>")


def _search_terms(a: Side) -> dict[str, tuple[str, str]]:
    """What B might type in the search box that only A's customers hold, each with a term of
    the same shape that nobody holds."""
    business, shopper = a.customers[0], a.customers[1]
    return {"marker": (A_MARK, "Qzxnomatchxx"),
            "company": (business["company_name"], "Qzxnomatchxx Goods 9"),
            "license": (business["license_number"], "NOM-999999"),
            "email": (shopper["email"], "nobody.shopper@example.com"),
            "phone": (shopper["phone"], "(303) 555-0999"),
            "external_id": (shopper["external_id"], "qzxnomatch-ext")}


def _spellings(term: str) -> list[str]:
    """The term as a page may carry it: in links (URL-encoded), in HTML, as typed."""
    return [quote(term, safe=""), quote_plus(term), quote(term), html.escape(term), term]


@pytest.mark.parametrize("route", FILTERED)
@pytest.mark.parametrize("kind", ["marker", "company", "license", "email", "phone",
                                  "external_id"])
def test_searching_for_another_tenants_customers_finds_nothing(world: World, route: str,
                                                               kind: str) -> None:
    w, a, b = world, world.a, world.b
    term, nobody = _search_terms(a)[kind]
    found = _ok(_send(w, a, "GET", "/api/v1/customers", {}, {"q": term}), 200)
    assert found["total"] >= 1, f"the search for {kind} does not find even its owner's customer"
    theirs = _send(w, b, "GET", route, {}, {"q": term})
    missing = _send(w, b, "GET", route, {}, {"q": nobody})
    assert missing.status_code == 200, missing.text[:600]
    expected = missing.text
    for mine, other in zip(_spellings(nobody), _spellings(term), strict=True):
        expected = expected.replace(mine, other)
    assert theirs.status_code == 200, theirs.text[:600]
    assert theirs.text == expected, f"GET {route}?q=<the other tenant's {kind}> finds " \
        f"something:\n{theirs.text[:600]}"


# --------------------------------------------------------------------------- ids in a body

REFERENCE_ROUTES = ["POST /api/v1/customers", "PATCH /api/v1/customers/{own}",
                    "POST /customers/new", "POST /customers/{own}/edit"]


@pytest.mark.parametrize("route", REFERENCE_ROUTES)
@pytest.mark.parametrize("field_name", sorted(REFERENCES))
def test_another_tenants_references_are_refused_like_missing_ones(
        world: World, factory: Factory, client: Any, route: str, field_name: str) -> None:
    w, a = world, world.a
    owner = _ref_owner(REFERENCES[field_name] or "")
    if owner is None:
        pytest.fail(f"{field_name} refers to '{REFERENCES[field_name]}', which _ref_owner "
                    "does not know: add it")
    their_id = owner(a)
    c = _c_side(factory, client)
    own = factory.customer(c.ctx)
    method, path = route.split(" ")
    path = path.replace("{own}", str(own["id"]))

    def send(value: int) -> Any:
        if path.startswith("/api/"):
            body: dict[str, Any] = {field_name: value}
            if method == "POST":
                body.update(type="business", company_name="Mine", license_number="C-1")
            return _send(w, c, method, path, {"json": body, "headers": {"If-Match": '"1"'}})
        form = {"type": "business", "company_name": "Mine", "license_number": "C-1",
                field_name: str(value), "version": "1"}
        return _send(w, c, method, path, {"data": form})

    before = _state(w, a, [])
    theirs, missing = send(their_id), send(MISSING)
    assert missing.status_code == 422, missing.text[:600]
    _alike(theirs, missing, their_id, f"{route} with {field_name} = the other tenant's id")
    _never_shows(theirs, a, f"{route} with {field_name} = the other tenant's id")
    assert _state(w, a, []) == before
    assert _ok(w.api.get(f"/api/v1/customers/{own['id']}", headers=c.headers), 200)[
        "version"] == 1


@pytest.mark.parametrize("action", sorted(SETTABLE))
def test_bulk_values_of_another_tenant_are_refused_like_missing_ones(
        world: World, factory: Factory, client: Any, action: str) -> None:
    w, a = world, world.a
    target = REFERENCES.get(SETTABLE[action])
    owner = _ref_owner(target or "")
    assert owner is not None, f"bulk set_{action} sets {SETTABLE[action]}: no owner known"
    their_id = owner(a)
    c = factory.tenant()
    factory.customer(c)

    def send(value: int) -> Any:
        return w.api.post("/api/v1/customers:bulk", headers=c.headers,
                          json={"action": f"set_{action}", "value": value})

    before = _state(w, a, [])
    theirs, missing = send(their_id), send(MISSING)
    assert missing.status_code == 422, missing.text[:600]
    _alike(theirs, missing, their_id, f"bulk set_{action} to the other tenant's id")
    assert _state(w, a, []) == before


# --------------------------------------------------------------------------- writes without ids


def _c_side(factory: Factory, client: Any) -> Side:
    ctx = factory.tenant()
    side = Side(ctx, "Cmark", client, "")
    side.csrf = _sign_in(client, ctx)
    return side


def _a_unchanged(w: World, check: Callable[[], None]) -> None:
    a = w.a
    reads = [f"/api/v1/customers/{a.customers[0]['id']}",
             f"/api/v1/customers/{a.customers[0]['id']}/activities",
             f"/api/v1/views/{a.view['id']}", f"/api/v1/imports/{a.job['id']}"]
    before = _state(w, a, reads)
    check()
    assert _state(w, a, reads) == before, "the other tenant's data changed"


def _bulk_api(w: World, c: Side) -> None:
    mine = _own_customer(w, c)

    def send(ids: list[int]) -> Any:
        return w.api.post("/api/v1/customers:bulk", headers=c.headers,
                          json={"action": "add_tags", "tags": ["hijacked"], "ids": ids})

    a_id = w.a.customers[0]["id"]
    _alike(send([a_id]), send([MISSING]), a_id, "bulk ids = the other tenant's customer")
    assert send([a_id, mine]).json() == {"matched": 1, "changed": 1}
    deleted = w.api.post("/api/v1/customers:bulk", headers=c.headers,
                         json={"action": "delete", "ids": [a_id]})
    assert deleted.json() == {"matched": 0, "changed": 0}, deleted.text


def _bulk_admin(w: World, c: Side) -> None:
    _own_customer(w, c)
    done = _send(w, c, "POST", "/customers/bulk", {"data": {
        "query": "", "action": "delete", "scope": "selected",
        "ids": [str(w.a.customers[0]["id"])], "confirmed": "1"}})
    assert done.status_code == 303, done.text[:600]
    page = c.admin.get(done.headers["location"])
    assert "Done: 0 of 0 customers changed." in page.text, page.text[:600]
    _never_shows(page, w.a, "the admin list after a bulk change")


def _own_customer(w: World, c: Side) -> int:
    return _ok(w.api.post("/api/v1/customers", headers=c.headers, json={
        "type": "business", "company_name": "Mine", "license_number": f"C-{next(_seq)}"}),
        201)["id"]


def _create_with_a_license(w: World, c: Side) -> None:
    a_license = w.a.customers[0]["license_number"]
    made = w.api.post("/api/v1/customers", headers=c.headers, json={
        "type": "business", "company_name": "Mine", "license_number": a_license})
    assert made.status_code == 201, f"another tenant's license number is refused: {made.text}"


def _create_with_a_license_admin(w: World, c: Side) -> None:
    a_license = w.a.customers[0]["license_number"]
    made = _send(w, c, "POST", "/customers/new", {"data": {
        "type": "business", "company_name": "Mine", "license_number": a_license}})
    assert made.status_code == 303, made.text[:600]
    _never_shows(c.admin.get(made.headers["location"]), A_MARK, "the new customer's page")


def _event(w: World, c: Side) -> None:
    a_customer = w.a.customers[0]
    sent = w.api.post("/api/v1/events", headers={**c.headers, "Idempotency-Key": "shared-key"},
                      json=_order("SO-SHARED-1", a_customer["license_number"], "Mine"))
    assert sent.status_code == 201, f"another tenant's idempotency key was replayed: {sent.text}"
    result = sent.json()
    assert result["matched_by"] == "created" and result["customer_id"] != a_customer["id"]
    _never_shows(sent, w.a, "the event's result")


def _event_identities(w: World, c: Side) -> None:
    shopper = w.a.customers[1]
    for key in ("external_id", "email", "phone"):
        event = {"type": "shopper.signed_up", "occurred_at": "2026-01-05T10:00:00Z",
                 "customer": {key: shopper[key], "first_name": "Mine"},
                 "data": {"method": "email"}}
        sent = w.api.post("/api/v1/events", headers=c.headers, json=event)
        assert sent.status_code == 201, sent.text
        assert sent.json()["matched_by"] == "created", f"matched by A's {key}: {sent.text}"
        c_id = sent.json()["customer_id"]
        assert c_id != shopper["id"]
        assert w.api.delete(f"/api/v1/customers/{c_id}", headers=c.headers).status_code == 204


def _event_all(w: World, c: Side) -> None:
    _event(w, c)
    _event_identities(w, c)


def _batch(w: World, c: Side) -> None:
    a_customer = w.a.customers[0]
    sent = w.api.post("/api/v1/events:batch", headers=c.headers, json={"events": [
        {**_order("SO-SHARED-1", a_customer["license_number"], "Mine"),
         "idempotency_key": "shared-key"}]})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert (body["recorded"], body["repeated"]) == (1, 0), body
    assert body["results"][0]["result"]["customer_id"] != a_customer["id"]


def _import_a_license(w: World, c: Side) -> None:
    a = w.a
    status_name = a.items["statuses"]["name"]
    data = (f"Company,License #,Status\nMine,{a.customers[0]['license_number']},\n"
            f"Other,C-77,{status_name}\n").encode()
    job = _ok(w.api.post("/api/v1/imports", headers=c.headers, data={"dry_run": "true"},
                         files={"file": ("c.csv", data, "text/csv")}), 202)
    done = _finished(w.api, c.headers, job["id"])
    outcomes = {r["line"]: r["outcome"] for r in done["rows"]}
    assert outcomes.get(2) == "created", done["rows"]  # A's license matched nothing of C's
    same = data.replace(status_name.encode(), b"No Such Status Anywhere")
    job2 = _ok(w.api.post("/api/v1/imports", headers=c.headers, data={"dry_run": "true"},
                          files={"file": ("c.csv", same, "text/csv")}), 202)
    other = _finished(w.api, c.headers, job2["id"])

    def report(job: dict[str, Any], name: str) -> str:
        seen = str({k: job[k] for k in ("rows", "errors", "created", "updated", "rejected")})
        return re.sub(r"\d+", "N", seen.replace(name, "X"))

    assert report(done, status_name) == report(other, "No Such Status Anywhere"), \
        "another tenant's list names resolve in an import"


def _import_admin(w: World, c: Side) -> None:
    data = f"Company,License #\nMine,{w.a.customers[0]['license_number']}\n".encode()
    sent = c.admin.post("/imports", data={"csrf_token": c.csrf, "commit": "preview"},
                        files={"file": ("c.csv", data, "text/csv")}, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:600]
    job_id = int(sent.headers["location"].rsplit("/", 1)[1])
    done = _finished(w.api, c.headers, job_id)
    assert [r["outcome"] for r in done["rows"]] == ["created"], done["rows"]
    _never_shows(c.admin.get(sent.headers["location"]), A_MARK, "the import's page")


def _view_name(w: World, c: Side) -> None:
    made = w.api.post("/api/v1/views", headers=c.headers,
                      json={"name": w.a.view["name"], "query": "", "shared": True})
    assert made.status_code == 201, made.text
    assert [v["id"] for v in _ok(w.api.get("/api/v1/views", headers=c.headers), 200)] == [
        made.json()["id"]]


def _view_name_admin(w: World, c: Side) -> None:
    made = _send(w, c, "POST", "/customers/views", {"data": {
        "name": w.a.view["name"], "query": "", "shared": "1"}})
    assert made.status_code == 303, made.text[:600]
    page = c.admin.get(made.headers["location"]).text
    assert "was not saved" not in page, page[:600]


def _member_of_another(w: World, c: Side) -> None:
    """Adding a member with the email of another workspace's member is this workspace's
    business alone; a token can name only a member of one's own workspace."""
    made = w.api.post("/api/v1/users", headers=c.headers, json={
        "email": w.a.ctx.email, "name": "Same Email", "role": "viewer"})
    assert made.status_code == 201, made.text
    theirs = w.api.post("/api/v1/tokens", headers=c.headers,
                        json={"name": "theirs", "user_id": w.a.user_id})
    assert theirs.status_code == 404, theirs.text


def _token_for_another(w: World, c: Side) -> None:
    made = w.api.post("/api/v1/tokens", headers=c.headers,
                      json={"name": "reach", "user_id": w.a.user_id})
    assert made.status_code == 404, made.text
    assert [t["user_id"] for t in _ok(w.api.get("/api/v1/tokens", headers=c.headers), 200)
            if t["user_id"] == w.a.user_id] == []


def _member_of_another_admin(w: World, c: Side) -> None:
    made = _send(w, c, "POST", "/settings/team/members", {"data": {
        "email": w.a.ctx.email, "name": "Same Email", "role": "viewer"}})
    assert made.status_code == 201, made.text[:600]
    theirs = _send(w, c, "POST", "/settings/team/tokens", {"data": {
        "name": "theirs", "user_id": str(w.a.user_id)}})
    assert theirs.status_code == 422 and "No member with id" in theirs.text, theirs.text[:600]


def _token_for_another_admin(w: World, c: Side) -> None:
    made = _send(w, c, "POST", "/settings/team/tokens", {"data": {
        "name": "reach", "user_id": str(w.a.user_id)}})
    assert made.status_code == 422, made.text[:600]
    assert [t["user_id"] for t in _ok(w.api.get("/api/v1/tokens", headers=c.headers), 200)
            if t["user_id"] == w.a.user_id] == []


def _item_names(slug: str) -> Callable[[World, Side], None]:
    def check(w: World, c: Side) -> None:
        body = ITEM_BODIES[slug]("C", next(_seq))
        body["name"] = w.a.items[slug]["name"]
        made = w.api.post(f"/api/v1/settings/{slug}", headers=c.headers, json=body)
        assert made.status_code == 201, f"another tenant's name is taken: {made.text}"
        listed = _ok(w.api.get(f"/api/v1/settings/{slug}", headers=c.headers), 200)
        assert w.a.items[slug]["id"] not in [i["id"] for i in listed]
    return check


def _item_names_admin(slug: str) -> Callable[[World, Side], None]:
    def check(w: World, c: Side) -> None:
        body = {k: (",".join(v) if isinstance(v, list) else str(v))
                for k, v in ITEM_BODIES[slug]("C", next(_seq)).items()}
        body["name"] = w.a.items[slug]["name"]
        made = _send(w, c, "POST", f"/settings/{slug}", {"data": body})
        assert made.status_code == 303, f"another tenant's name is taken: {made.text[:600]}"
    return check


def _order_anothers_admin(slug: str) -> Callable[[World, Side], None]:
    """C's list ordered with A's item among the ids: refused (its own items are not A's),
    A's order untouched (checked on every row after the check)."""
    def check(w: World, c: Side) -> None:
        refused = _send(w, c, "POST", f"/settings/{slug}/order",
                        {"data": {"ids": [str(w.a.items[slug]["id"])]}})
        assert refused.status_code == 303, refused.text[:600]
        page = c.admin.get("/settings")
        assert "Name every" in page.text, page.text[:600]
    return check


def _own_settings(path: str, body: dict[str, Any]) -> Callable[[World, Side], None]:
    """A workspace's settings are its own: C changing them leaves A's as they were."""
    def check(w: World, c: Side) -> None:
        before = _ok(w.api.get(f"/api/v1/settings/{path}", headers=w.a.headers), 200)
        assert _ok(w.api.put(f"/api/v1/settings/{path}", headers=c.headers, json=body),
                   200) == body
        assert _ok(w.api.get(f"/api/v1/settings/{path}", headers=w.a.headers), 200) == before
        assert before != body
    return check


def _own_storefront_admin(w: World, c: Side) -> None:
    before = _ok(w.api.get("/api/v1/settings/checkout", headers=w.a.headers), 200)
    made = _send(w, c, "POST", "/settings/storefront", {"data": {
        "checkout_web": "disabled_cart_unavailable", "checkout_ios": "enabled",
        "checkout_android": "enabled", "signup_methods": "email", "rep_edit_scope": "own"}})
    assert made.status_code == 303, made.text[:600]
    assert _ok(w.api.get("/api/v1/settings/checkout", headers=c.headers), 200)["web"] == \
        "disabled_cart_unavailable"
    assert _ok(w.api.get("/api/v1/settings/checkout", headers=w.a.headers), 200) == before


def _scan_sees_its_own(w: World, c: Side) -> None:
    """C's scan compares C's customers only: two of C's, one with A's first customer's
    license, are one pair of C's; A's list stays as it was."""
    theirs = w.a.customers[0]
    before = _ok(w.api.get("/api/v1/duplicates", headers=w.a.headers), 200)
    mine = [_ok(w.api.post("/api/v1/customers", headers=c.headers, json={
        "type": "business", "company_name": f"{c.mark} Twin Goods", "phone": "5105550123",
        "license_number": number}), 201)["id"]
        for number in (theirs["license_number"], None)]
    started = _ok(w.api.post("/api/v1/duplicates:scan", headers=c.headers), 202)
    scans.wait(started["id"])
    done = _ok(w.api.get("/api/v1/duplicates/scan", headers=c.headers), 200)
    assert (done["customers"], done["found"]) == (2, 1), done
    listed = _ok(w.api.get("/api/v1/duplicates", headers=c.headers), 200)["items"]
    assert [i["customers"] for i in listed] == [sorted(mine)]
    assert _ok(w.api.get("/api/v1/duplicates", headers=w.a.headers), 200) == before


def _check_sees_its_own(w: World, c: Side) -> None:
    """A draft just like A's first customer, checked by C, is like none of C's customers."""
    theirs = w.a.customers[0]
    draft = {"type": "business", "company_name": theirs["company_name"],
             "license_number": theirs["license_number"]}
    for query in ("", f"?exclude_id={theirs['id']}"):
        checked = _ok(w.api.post(f"/api/v1/duplicates:check{query}", headers=c.headers,
                                 json=draft), 200)
        assert checked == {"possible_duplicates": []}, checked
    mine = _ok(w.api.post("/api/v1/customers", headers=c.headers, json={
        **draft, "company_name": f"{c.mark} Own Goods"}), 201)
    checked = _ok(w.api.post("/api/v1/duplicates:check", headers=c.headers, json={
        **draft, "company_name": f"{c.mark} Own Goods"}), 200)
    assert [d["id"] for d in checked["possible_duplicates"]] == [mine["id"]]


def _scan_admin(w: World, c: Side) -> None:
    before = _ok(w.api.get("/api/v1/duplicates", headers=w.a.headers), 200)
    started = _send(w, c, "POST", "/customers/duplicates/scan", {})
    assert started.status_code == 303, started.text[:600]
    scans.wait(_ok(w.api.get("/api/v1/duplicates/scan", headers=c.headers), 200)["id"])
    done = _ok(w.api.get("/api/v1/duplicates/scan", headers=c.headers), 200)
    assert (done["status"], done["customers"]) == ("done", 0), done
    assert _ok(w.api.get("/api/v1/duplicates", headers=w.a.headers), 200) == before


def _dismiss_anothers_admin(w: World, c: Side) -> None:
    a_ids = [x["id"] for x in w.a.customers[:2]]
    refused = _send(w, c, "POST", "/customers/duplicates/dismiss", {"data": {
        "low": str(a_ids[0]), "high": str(a_ids[1])}})
    assert refused.status_code == 303, refused.text[:600]
    page = c.admin.get("/customers/duplicates")
    assert f"No customer with id {a_ids[0]}" in page.text, page.text[:600]


def _dismiss_anothers(w: World, c: Side) -> None:
    a_ids = [x["id"] for x in w.a.customers[:2]]
    mine = _own_customer(w, c)
    for pair in (a_ids, [mine, a_ids[0]]):
        refused = w.api.post("/api/v1/duplicates/dismiss", headers=c.headers,
                             json={"customers": pair})
        assert refused.status_code == 404, refused.text[:600]


def _merge_anothers_admin(w: World, c: Side) -> None:
    a_ids = [x["id"] for x in w.a.customers[:2]]
    mine = _own_customer(w, c)
    for survivor, other in ((a_ids[0], a_ids[1]), (mine, a_ids[0]), (a_ids[0], mine)):
        refused = _send(w, c, "POST", "/customers/merge", {"data": {
            "ids": f"{survivor},{other}", "survivor": str(survivor)}})
        assert refused.status_code == 303, refused.text[:600]
        page = c.admin.get("/customers/duplicates")
        assert f"No customer with id {a_ids[0]}" in page.text, page.text[:600]
        shown = c.admin.get(f"/customers/merge?ids={survivor},{other}", follow_redirects=True)
        assert A_MARK not in shown.text and f"No customer with id {a_ids[0]}" in shown.text


# (method, path with non-id parameters filled in) -> a check run as a fresh tenant C against
# tenant A's data (A must be unchanged after it), or the reason there is nothing to isolate.
WRITES: dict[tuple[str, str], Callable[[World, Side], None] | str] = {
    ("POST", "/api/v1/customers"): _create_with_a_license,
    ("POST", "/api/v1/customers:bulk"): _bulk_api,
    ("PUT", "/api/v1/me/columns"): "the member's own column choice: no ids, nothing shared",
    ("POST", "/api/v1/views"): _view_name,
    ("POST", "/api/v1/events"): _event_all,
    ("POST", "/api/v1/events:batch"): _batch,
    ("POST", "/api/v1/imports"): _import_a_license,
    ("POST", "/api/v1/duplicates:scan"): _scan_sees_its_own,
    ("POST", "/api/v1/duplicates/dismiss"): _dismiss_anothers,
    ("POST", "/api/v1/duplicates:check"): _check_sees_its_own,
    ("POST", "/customers/duplicates/scan"): _scan_admin,
    ("POST", "/customers/duplicates/dismiss"): _dismiss_anothers_admin,
    ("POST", "/customers/merge"): _merge_anothers_admin,
    **{("POST", f"/api/v1/settings/{slug}"): _item_names(slug) for slug in KINDS},
    ("POST", "/login"): "sign-in: which tenant is the form's choice (tests/test_admin.py, "
                        "tests/tenancy/test_auth.py)",
    ("POST", "/logout"): "ends the caller's own session: no tenant data",
    ("POST", "/customers/bulk"): _bulk_admin,
    ("POST", "/customers/columns"): "the member's own column choice: no ids, nothing shared",
    ("POST", "/customers/views"): _view_name_admin,
    ("POST", "/customers/new"): _create_with_a_license_admin,
    **{("POST", f"/settings/{slug}"): _item_names_admin(slug) for slug in KINDS},
    **{("POST", f"/settings/{slug}/order"): _order_anothers_admin(slug) for slug in KINDS},
    ("POST", "/imports"): _import_admin,
    ("POST", "/api/v1/users"): _member_of_another,
    ("POST", "/api/v1/tokens"): _token_for_another,
    ("POST", "/settings/team/members"): _member_of_another_admin,
    ("POST", "/settings/team/tokens"): _token_for_another_admin,
    ("PUT", "/api/v1/settings/checkout"): _own_settings("checkout", {
        "web": "disabled_cart_available", "ios": "disabled_cart_unavailable",
        "android": "disabled_cart_unavailable_hide_prices"}),
    ("PUT", "/api/v1/settings/signup"): _own_settings("signup", {"methods": "phone"}),
    ("POST", "/settings/storefront"): _own_storefront_admin,
    ("PUT", "/api/v1/settings/permissions"): _own_settings("permissions",
                                                          {"rep_edit_scope": "own"}),
}


@pytest.mark.parametrize(("endpoint", "path"), WRITE_CASES)
def test_writes_without_an_id_never_reach_another_tenant(world: World, factory: Factory,
                                                         client: Any, endpoint: Endpoint,
                                                         path: str) -> None:
    check = WRITES.get((endpoint.method, path))
    if check is None:
        pytest.fail(f"{endpoint.method} {path} has no entry in WRITES: add a check that the "
                    "other tenant's data cannot be reached through it, or the reason it "
                    "holds none.")
    if isinstance(check, str):
        pytest.skip(check)
    c = _c_side(factory, client)
    _a_unchanged(world, lambda: check(world, c))
    _never_shows(world.api.get("/api/v1/customers?limit=500", headers=c.headers), A_MARK,
                 f"{endpoint.method} {path}, then the list")
