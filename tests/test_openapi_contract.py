"""Schemathesis: generated requests against the OpenAPI document never break the server and
every response matches the documented schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from patronage.app import create_app

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app())
# The same operations sent what their schemas forbid: nulls and wrong types for every
# field, numbers past every bound, strings past every length, unknown fields (issue 12:
# no input may answer 5xx).
refused = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app())
refused.config.generation.update(modes=[GenerationMode.NEGATIVE])


@pytest.fixture
def auth(factory):
    t = factory.tenant()
    factory.customer(t)
    return t.headers


RELAXED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
           HealthCheck.filter_too_much]


def _answered_well(case, auth) -> None:  # type: ignore[no-untyped-def]
    """Never a 5xx; every refusal a problem-details document (405s are Starlette's)."""
    response = case.call(headers={**auth, **(case.headers or {})})
    assert response.status_code < 500, (case.method, case.path, case.body, response.text)
    if response.status_code >= 400 and response.status_code != 405:
        assert response.headers["content-type"][0].startswith("application/problem+json"), \
            response.text


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=RELAXED)
def test_api_contract(case, auth):
    _answered_well(case, auth)


@refused.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=RELAXED)
def test_input_the_schema_forbids_is_refused_never_a_5xx(case, auth):
    _answered_well(case, auth)


@pytest.fixture
def workflow(factory):
    """Sequences of calls chained by the links schemathesis infers from the document (a
    created customer is read, edited, its history listed, then deleted; a list's ids are
    followed; an import is previewed then committed), each scenario as a member of a
    workspace of its own, so that replaying a scenario meets the same state."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.workspace = factory.tenant()
            factory.customer(self.workspace)

        def get_call_kwargs(self, case):  # noqa: ANN001, ANN202
            sent = {k: v for k, v in (case.headers or {}).items()
                    if k.lower() != "authorization"}  # the member's own token, always
            return {"headers": {**sent, **self.workspace.headers}}

        def validate_response(self, response, case, **kwargs):  # noqa: ANN001, ANN003, ANN202
            assert response.status_code < 500, (case.method, case.path, response.text)
            if response.status_code >= 400 and response.status_code != 405:
                assert response.headers["content-type"][0].startswith(
                    "application/problem+json"), response.text

    return Workflow


def test_api_workflows(workflow):
    workflow.run(settings=settings(
        max_examples=30, stateful_step_count=6, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much]))
