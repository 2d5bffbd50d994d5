"""Schemathesis: generated requests against the OpenAPI document never break the server and
every response matches the documented schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from patronage.app import create_app

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app())


@pytest.fixture
def auth(factory):
    t = factory.tenant()
    factory.customer(t)
    return t.headers


@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_contract(case, auth):
    response = case.call(headers={**auth, **(case.headers or {})})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json") or \
            response.status_code == 405, response.text
