"""The sample API Gateway events under events/ drive the Lambda entry points as deployed.

Each event goes through `app.app` (the API handler) or `app.jwt_auth` (the authorizer) exactly as
Lambda would call them; the test checks the answer and what it wrote.
"""

import json
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

import app as application
from chalicelib.domain.rewards import Reward
from chalicelib.persistence import reads
from chalicelib.services import catalogue, checkins, fan_update
from tests.support import token

EVENTS = Path(__file__).resolve().parents[2] / "events"
FAN = "fan-alice"


class Context:
    function_name = "fan-engagement-dev"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fan-engagement-dev"
    memory_limit_in_mb = 512
    aws_request_id = "sample-request"
    log_group_name = "/aws/lambda/fan-engagement-dev"
    log_stream_name = "sample"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 3000


def load(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def invoke(name: str) -> tuple[dict[str, Any], Any]:
    response = application.app(load(name), Context())
    return response, json.loads(response["body"])


def check_health(body):
    assert body["status"] == "ok"


def check_checkin(body):
    assert body == {
        "fan_id": FAN,
        "date": "2026-11-22",
        "streak": 1,
        "points_awarded": 10,
        "balance": 10,
        "already_checked_in": False,
    }
    assert fan_update.read(FAN).balance == 10


def check_get_me(body):
    assert (body["fan_id"], body["balance"], body["streak"], body["last_checkin_date"]) == (FAN, 10, 1, "2026-11-22")


def check_patch_me(body):
    assert body["fan_id"] == FAN and body["time_zone"] == "Asia/Shanghai"


def check_ledger_page(body):
    assert body["next_cursor"] is None
    assert [(e["kind"], e["delta"], e["balance_after"], e["ref"]) for e in body["items"]] == [
        ("checkin", 10, 10, "2026-11-22")
    ]


def check_list_rewards(body):
    assert [(r["reward_id"], r["cost"], r["stock_remaining"]) for r in body["items"]] == [
        ("sticker-pack", 5, 10),
        ("tour-poster", 300, 1),
    ]


def check_redeem(body):
    assert (body["reward_id"], body["quantity"], body["points_spent"], body["balance"]) == ("sticker-pack", 1, 5, 5)
    assert body["status"] == "confirmed"
    assert reads.reward("sticker-pack").stock_remaining == 9 and fan_update.read(FAN).balance == 5
    replay, again = invoke("redeem")  # the sample's Idempotency-Key makes a retry a replay
    assert replay["statusCode"] == 201 and again == body
    assert replay["headers"]["Idempotent-Replayed"] == "true" and reads.reward("sticker-pack").stock_remaining == 9


def check_admin_put_reward(body):
    assert body["reward_id"] == "tour-poster" and body["name"] == "Signed tour poster"
    assert (body["cost"], body["stock_remaining"], body["per_fan_limit"]) == (300, 25, 1)
    stored = reads.reward("tour-poster")
    assert (stored.name, stored.stock_remaining, stored.per_fan_limit) == ("Signed tour poster", 25, 1)


def check_admin_adjust(body):
    assert body["balance"] == 110
    entry = body["entry"]
    assert (entry["kind"], entry["delta"], entry["ref"]) == ("adjustment", 100, "contest winner")
    assert fan_update.read(FAN).balance == 110


def check_anonymous_me(body):
    assert body["code"] == "unauthorized" and body["status"] == 401


# event -> (status, checks on the answer and the tables); the checkin sample runs before any check-in.
EXPECTED: dict[str, tuple[int, Callable[[Any], None]]] = {
    "health": (200, check_health),
    "checkin": (201, check_checkin),
    "get_me": (200, check_get_me),
    "patch_me": (200, check_patch_me),
    "ledger_page": (200, check_ledger_page),
    "list_rewards": (200, check_list_rewards),
    "redeem": (201, check_redeem),
    "admin_put_reward": (200, check_admin_put_reward),
    "admin_adjust": (201, check_admin_adjust),
    "anonymous_me": (401, check_anonymous_me),
}


def test_every_sample_event_is_driven():
    assert {p.stem for p in EVENTS.glob("*.json")} == set(EXPECTED) | {"authorizer"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_through_the_lambda_handler(aws, clock, name):
    catalogue.put(Reward("sticker-pack", "Sticker pack", cost=5, stock_remaining=10), clock.now)
    catalogue.put(Reward("tour-poster", "Poster", cost=300, stock_remaining=1), clock.now)
    if name != "checkin":
        checkins.check_in(FAN, clock.now)
    status, check = EXPECTED[name]
    response, body = invoke(name)
    assert response["statusCode"] == status, response["body"]
    expected_type = "application/problem+json" if status >= 400 else "application/json"
    assert response["headers"]["Content-Type"] == expected_type
    check(body)


@pytest.mark.parametrize(
    ("bearer", "principal", "sample"),
    [
        (lambda: f"Bearer {token(FAN)}", FAN, "get_me"),
        (lambda: f"Bearer {token('ops-1', admin=True)}", "ops-1", "admin_adjust"),
        (lambda: "Bearer forged", "anonymous", "anonymous_me"),
    ],
)
def test_authorizer_event_gives_what_the_sample_requests_carry(bearer, principal, sample):
    """The authorizer's answer is exactly the context the API samples were written with."""
    event = {**load("authorizer"), "authorizationToken": bearer()}
    result = application.jwt_auth(event, Context())
    carried = load(sample)["requestContext"]["authorizer"]
    assert result["principalId"] == principal == carried["principalId"]
    assert result["context"] == {k: v for k, v in carried.items() if k != "principalId"}
    (statement,) = result["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    assert any(fnmatchcase(event["methodArn"], resource) for resource in statement["Resource"])
