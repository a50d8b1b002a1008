"""Where schemathesis found the OpenAPI document and the code disagreeing, they now agree (docs/api-notes.md)."""

import json
import re
from pathlib import Path

import pytest

from tests.support import payload, reward_body, snapshot

DOC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


@pytest.fixture
def stocked(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=10))
    for fan in ("fan-1", "fan-2"):
        api.call("POST", "/v1/checkins", who=fan)
    return api


def _path_parameters(limited_only=False):
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            for parameter in operation["parameters"]:
                if parameter["in"] != "path" or (limited_only and "pattern" not in parameter["schema"]):
                    continue
                name = f"{operation['operationId']}.{parameter['name']}"
                yield pytest.param(method.upper(), path, parameter, id=name)


@pytest.mark.parametrize(("method", "path", "parameter"), list(_path_parameters()))
def test_every_path_id_documents_its_400(method, path, parameter):
    assert "400" in DOC["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    list(_path_parameters(limited_only=True)),
)
def test_documented_path_id_limits_are_the_enforced_ones(stocked, method, path, parameter):
    schema = parameter["schema"]
    longest, too_long = "a" * schema["maxLength"], "a" * (schema["maxLength"] + 1)
    outside = next(c for c in ("é", "\x01") if not re.match(schema["pattern"], c))  # ours: ASCII; theirs: no controls
    assert re.match(schema["pattern"], longest)
    posted = {"delta": 1, "reason": "x"} if "adjust" in path else {} if "/jobs/" in path else {"quantity": 1}
    bodies = {"PUT": reward_body(), "POST": posted}

    def call(value):
        concrete = path.replace("{" + parameter["name"] + "}", value)
        concrete = re.sub(r"{[^}]+}", "x", concrete)
        return stocked.call(method, concrete, who="ops", admin=True, key="k", body=bodies.get(method))

    before = snapshot()
    for bad in (too_long, outside):
        refused = call(bad)
        assert refused.status_code == 400, (bad, refused.body)
        assert payload(refused)["errors"][0]["field"] == parameter["name"]
    assert snapshot() == before
    assert call(longest).status_code != 400


def test_empty_cursor_is_documented_as_invalid_and_refused(stocked):
    for path in ("/v1/me/ledger", "/v1/me/redemptions"):
        cursor = next(p for p in DOC["paths"][path]["get"]["parameters"] if p["name"] == "cursor")
        assert cursor["schema"]["minLength"] == 1
        response = stocked.call("GET", f"{path}?cursor=", who="fan-1")
        assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "cursor"


def test_zero_delta_is_documented_as_invalid_and_refused(stocked):
    assert DOC["components"]["schemas"]["Adjustment"]["properties"]["delta"]["not"] == {"const": 0}
    response = stocked.call(
        "POST", "/v1/admin/fans/fan-1/adjustments", who="ops", admin=True, key="k", body={"delta": 0, "reason": "x"}
    )
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "delta"


def test_whole_number_floats_are_integers(stocked):
    raw = b'{"reward_id": "poster", "quantity": 1.0}'
    redeemed = stocked.call("POST", "/v1/redemptions", who="fan-1", key="a", raw=raw)
    assert redeemed.status_code == 201, redeemed.body
    assert payload(redeemed)["quantity"] == 1 and payload(redeemed)["points_spent"] == 10
    adjusted = stocked.call(
        "POST",
        "/v1/admin/fans/fan-2/adjustments",
        who="ops",
        admin=True,
        key="b",
        raw=b'{"delta": 5.0, "reason": "goodwill"}',
    )
    assert adjusted.status_code == 201 and payload(adjusted)["entry"]["delta"] == 5
    restocked = stocked.call(
        "POST", "/v1/admin/rewards/poster/restock", who="ops", admin=True, key="c", raw=b'{"quantity": 2e0}'
    )
    assert restocked.status_code == 200 and payload(restocked)["stock_remaining"] == 11
    defined = stocked.call(
        "PUT",
        "/v1/admin/rewards/mug",
        who="ops",
        admin=True,
        raw=b'{"name": "Mug", "cost": 25.0, "stock_remaining": 3.00, "per_fan_limit": 1.0}',
    )
    assert defined.status_code == 201 and payload(defined)["cost"] == 25 and isinstance(payload(defined)["cost"], int)


@pytest.mark.parametrize("quantity", [b"1.5", b"1e400", b"-0.5", b"1e20", b'"1"', b"true"])
def test_fractional_huge_or_non_numbers_are_still_400(stocked, quantity):
    before = snapshot()
    raw = b'{"reward_id": "poster", "quantity": ' + quantity + b"}"
    response = stocked.call("POST", "/v1/redemptions", who="fan-1", key="k", raw=raw)
    assert response.status_code == 400 and payload(response)["errors"][0]["field"] == "quantity"
    assert snapshot() == before
