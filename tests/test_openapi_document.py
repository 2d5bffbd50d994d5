"""The API document is part of the product: integrators generate clients from it and read
its descriptions, so it changes only on purpose, reviewed in docs/openapi.json."""

import json
from pathlib import Path

from patronage.app import create_app

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_the_api_document_is_the_reviewed_one():
    current = create_app().openapi()
    reviewed = json.loads(DOCUMENT.read_text())
    assert current == reviewed, (
        "The API document changed. Review the difference, then record it with "
        "`.venv/bin/patronage openapi --output docs/openapi.json`.")


def test_every_list_filter_is_described():
    parameters = create_app().openapi()["paths"]["/api/v1/customers"]["get"]["parameters"]
    described = {p["name"] for p in parameters if p.get("description")}
    assert {"q", "id", "name", "email", "phone", "city", "zip", "tag", "store", "sort", "limit",
            "cursor"} <= described
