"""Bring up `make run`'s stack (serialised moto + the local API server) and drive it over HTTP like a client."""

from __future__ import annotations

import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from tools import devwebhooks
from tools.stack_process import ROOT, auth, free_port, running, start, stop, wait_healthy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[str]:
    with running() as url:
        yield url


def test_demo_data_and_fan_loop_over_http(stack):
    me = requests.get(f"{stack}/v1/me", headers=auth("fan-alice"), timeout=10)
    assert me.status_code == 200 and me.json()["balance"] >= 500  # seeded welcome bonus + check-ins
    fan = f"e2e-{uuid.uuid4().hex[:6]}"
    first = requests.post(f"{stack}/v1/checkins", headers=auth(fan), timeout=10)
    assert first.status_code == 201 and first.json()["points_awarded"] > 0
    again = requests.post(f"{stack}/v1/checkins", headers=auth(fan), timeout=10)
    assert again.status_code == 200 and again.json()["already_checked_in"] is True
    rewards = requests.get(f"{stack}/v1/rewards", headers=auth(fan), timeout=10).json()["items"]
    assert "sticker-pack" in {r["reward_id"] for r in rewards}


def test_redemption_replay_and_problem_details_over_http(stack):
    headers = {**auth("fan-alice"), "Idempotency-Key": uuid.uuid4().hex}
    body = {"reward_id": "sticker-pack", "quantity": 1}
    first = requests.post(f"{stack}/v1/redemptions", json=body, headers=headers, timeout=10)
    assert first.status_code == 201, first.text
    replay = requests.post(f"{stack}/v1/redemptions", json=body, headers=headers, timeout=10)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    refused = requests.post(
        f"{stack}/v1/redemptions",
        json={"reward_id": "nope"},
        headers={**auth("fan-alice"), "Idempotency-Key": "x"},
        timeout=10,
    )
    assert refused.status_code == 404
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "reward_not_found"
    assert requests.get(f"{stack}/v1/me", timeout=10).status_code == 401


def test_signed_sample_webhooks_earn_points_once_over_http(stack):
    def balance() -> int:
        return int(requests.get(f"{stack}/v1/me", headers=auth("fan-alice"), timeout=10).json()["balance"])

    def send(event_type: str, webhook_id: str) -> tuple[int, str]:
        body = devwebhooks.sample(event_type, datetime.now(UTC))
        return devwebhooks.send(stack, "tiktok", body, webhook_id, ROOT / ".local")

    assert send("account.linked", f"msg_{uuid.uuid4().hex}")[0] == 202
    before = balance()
    liked = f"msg_{uuid.uuid4().hex}"
    assert send("engagement.liked", liked) == (202, '{"status":"accepted"}')
    assert send("engagement.liked", liked) == (200, '{"status":"duplicate"}')
    assert balance() == before + 1
    forged = requests.post(
        f"{stack}/v1/webhooks/tiktok",
        data=b'{"type": "x", "data": {}}',
        timeout=10,
        headers={"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"},
    )
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_signature"


def test_concurrent_clients_never_oversell(stack):
    reward = f"e2e-drop-{uuid.uuid4().hex[:6]}"
    created = requests.put(
        f"{stack}/v1/admin/rewards/{reward}",
        headers=auth("ops", admin=True),
        timeout=10,
        json={"name": "Drop", "cost": 1, "stock_remaining": 5},
    )
    assert created.status_code == 201
    fans = [f"e2e-{uuid.uuid4().hex[:6]}" for _ in range(20)]
    for fan in fans:
        requests.post(f"{stack}/v1/checkins", headers=auth(fan), timeout=10)

    def redeem(fan: str) -> int:
        headers = {**auth(fan), "Idempotency-Key": "k"}
        return requests.post(
            f"{stack}/v1/redemptions", json={"reward_id": reward}, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(redeem, fans))
    assert statuses == Counter({201: 5, 409: 15}), statuses
    listed = requests.get(f"{stack}/v1/rewards", headers=auth("ops", admin=True), timeout=10).json()["items"]
    assert next(r for r in listed if r["reward_id"] == reward)["stock_remaining"] == 0


def test_stack_stops_cleanly_and_runs_again():
    port, moto_port = free_port(), free_port()
    for _ in range(2):
        process = start(port, moto_port)
        wait_healthy(f"http://127.0.0.1:{port}", process)
        stop(process)
        assert process.returncode == 0
        with socket.socket() as sock:  # nothing left listening
            assert sock.connect_ex(("127.0.0.1", port)) != 0
            assert sock.connect_ex(("127.0.0.1", moto_port)) != 0


def test_gateway_refusals_are_problem_documents_as_deployed(stack):
    missing = requests.get(f"{stack}/v1/me", timeout=10)
    assert missing.status_code == 401 and missing.headers["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "unauthorized" and missing.headers["WWW-Authenticate"] == "Bearer"
    for method, path in (("TRACE", "/v1/me"), ("DELETE", "/v1/me"), ("BREW", "/v1/health"), ("GET", "/v1/nope")):
        refused = requests.request(method, f"{stack}{path}", headers=auth("fan-alice"), timeout=10)
        assert refused.status_code == 404, (method, path, refused.text)
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "not_found"


def test_path_parameters_arrive_percent_decoded_as_from_api_gateway(stack):
    ops = auth("ops", admin=True)
    body = {"name": "x", "cost": 1, "stock_remaining": 1}
    created = requests.put(f"{stack}/v1/admin/rewards/e2e%3Aencoded", headers=ops, timeout=10, json=body)
    assert created.status_code == 201 and created.json()["reward_id"] == "e2e:encoded"
    refused = requests.get(f"{stack}/v1/redemptions/%C3%A9", headers=auth("fan-alice"), timeout=10)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "redemption_id"
