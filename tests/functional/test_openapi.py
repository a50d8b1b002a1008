"""The checked-in OpenAPI document matches the code, the live routes and the error catalogue."""

import json
from pathlib import Path

import app as application
from chalicelib.api.openapi import error_catalogue, render
from chalicelib.api.specs import SPECS
from tests.support import payload

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_document_is_current():
    assert DOC.read_text() == render(application.api.operations, application.OPENAPI_VERSION), (
        "docs/openapi.json is stale: run `make openapi`"
    )


def test_document_lists_exactly_the_live_routes():
    document = json.loads(DOC.read_text())
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    live = {(path, method) for path, methods in application.app.routes.items() for method in methods}
    assert documented == live


def test_every_documented_error_code_exists():
    catalogue = error_catalogue()
    for spec in SPECS.values():
        for code in spec.errors:
            assert code in catalogue, code


def test_document_is_openapi_3_1_with_bearer_auth():
    document = json.loads(DOC.read_text())
    assert document["openapi"] == "3.1.0"
    assert document["paths"]["/v1/health"]["get"]["security"] == []
    assert document["paths"]["/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "Idempotency-Key" in json.dumps(document["paths"]["/v1/redemptions"]["post"]["parameters"])
    schema = document["components"]["schemas"]["RedemptionRequest"]
    assert schema["properties"]["quantity"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 1}


def test_document_is_served(api):
    response = api.call("GET", "/v1/openapi.json")
    assert response.status_code == 200 and payload(response) == json.loads(DOC.read_text())
