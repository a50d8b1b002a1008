"""The sample API Gateway events under events/ drive the Lambda entry points as deployed."""

import json
from pathlib import Path

import pytest

import app as application
from chalicelib.domain.rewards import Reward
from chalicelib.services import catalogue, checkins
from tests.support import token

EVENTS = Path(__file__).resolve().parents[2] / "events"


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


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("health", 200),
        ("checkin", 200),
        ("get_me", 200),
        ("patch_me", 200),
        ("ledger_page", 200),
        ("list_rewards", 200),
        ("redeem", 201),
        ("admin_put_reward", 200),
        ("admin_adjust", 201),
        ("anonymous_me", 401),
    ],
)
def test_event_through_the_lambda_handler(aws, clock, name, status):
    catalogue.put(Reward("sticker-pack", "Sticker pack", cost=5, stock_remaining=10), clock.now)
    catalogue.put(Reward("tour-poster", "Poster", cost=300, stock_remaining=1), clock.now)
    checkins.check_in("fan-alice", clock.now)
    response = application.app(load(name), Context())
    assert response["statusCode"] == status, response["body"]
    json.loads(response["body"])


@pytest.mark.parametrize(
    ("bearer", "principal", "context"),
    [
        (lambda: f"Bearer {token('fan-alice')}", "fan-alice", {"sub": "fan-alice", "admin": "false"}),
        (lambda: f"Bearer {token('ops-1', admin=True)}", "ops-1", {"sub": "ops-1", "admin": "true"}),
        (lambda: "Bearer forged", "anonymous", {"auth_error": "invalid_token"}),
    ],
)
def test_authorizer_event(bearer, principal, context):
    event = {**load("authorizer"), "authorizationToken": bearer()}
    result = application.jwt_auth(event, Context())
    assert result["principalId"] == principal and result["context"] == context
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
