"""Bring up `make run`'s stack (serialised moto + chalice local) and drive it over HTTP like a client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tools import devtokens, devwebhooks

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int, moto_port: int) -> subprocess.Popen[bytes]:
    own = ("AWS_", "DEV_JWT", "JWT_", "JWKS_", "TABLE_", "WEBHOOK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return subprocess.Popen(
        [sys.executable, "-m", "tools.local_stack", "--quiet", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        try:
            if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("local stack did not become healthy")


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output.decode()


@pytest.fixture(scope="module")
def stack() -> Iterator[str]:
    port, moto_port = _free_port(), _free_port()
    process = _start(port, moto_port)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        _stop(process)


def _auth(fan: str, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {devtokens.mint(fan, admin, directory=ROOT / '.local')}"}


def test_demo_data_and_fan_loop_over_http(stack):
    me = requests.get(f"{stack}/v1/me", headers=_auth("fan-alice"), timeout=10)
    assert me.status_code == 200 and me.json()["balance"] >= 500  # seeded welcome bonus + check-ins
    fan = f"e2e-{uuid.uuid4().hex[:6]}"
    first = requests.post(f"{stack}/v1/checkins", headers=_auth(fan), timeout=10)
    assert first.status_code == 201 and first.json()["points_awarded"] > 0
    again = requests.post(f"{stack}/v1/checkins", headers=_auth(fan), timeout=10)
    assert again.status_code == 200 and again.json()["already_checked_in"] is True
    rewards = requests.get(f"{stack}/v1/rewards", headers=_auth(fan), timeout=10).json()["items"]
    assert "sticker-pack" in {r["reward_id"] for r in rewards}


def test_redemption_replay_and_problem_details_over_http(stack):
    headers = {**_auth("fan-alice"), "Idempotency-Key": uuid.uuid4().hex}
    body = {"reward_id": "sticker-pack", "quantity": 1}
    first = requests.post(f"{stack}/v1/redemptions", json=body, headers=headers, timeout=10)
    assert first.status_code == 201, first.text
    replay = requests.post(f"{stack}/v1/redemptions", json=body, headers=headers, timeout=10)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    refused = requests.post(
        f"{stack}/v1/redemptions",
        json={"reward_id": "nope"},
        headers={**_auth("fan-alice"), "Idempotency-Key": "x"},
        timeout=10,
    )
    assert refused.status_code == 404
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "reward_not_found"
    assert requests.get(f"{stack}/v1/me", timeout=10).status_code == 401


def test_signed_sample_webhooks_earn_points_once_over_http(stack):
    def balance() -> int:
        return int(requests.get(f"{stack}/v1/me", headers=_auth("fan-alice"), timeout=10).json()["balance"])

    def send(event_type: str, webhook_id: str) -> tuple[int, str]:
        body = devwebhooks.sample(event_type, datetime.now(UTC))
        return devwebhooks.send(stack, "tiktok", body, webhook_id, ROOT / ".local")

    assert send("account.linked", f"msg_{uuid.uuid4().hex}")[0] == 202
    before = balance()
    liked = f"msg_{uuid.uuid4().hex}"
    assert send("engagement.liked", liked) == (202, '{"status":"accepted"}')
    assert send("engagement.liked", liked) == (200, '{"status":"duplicate"}')
    assert balance() == before + 1
    forged = requests.post(f"{stack}/v1/webhooks/tiktok", data=b'{"type": "x", "data": {}}', timeout=10, headers={
        "webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"
    })
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_signature"


def test_concurrent_clients_never_oversell(stack):
    reward = f"e2e-drop-{uuid.uuid4().hex[:6]}"
    created = requests.put(
        f"{stack}/v1/admin/rewards/{reward}",
        headers=_auth("ops", admin=True),
        timeout=10,
        json={"name": "Drop", "cost": 1, "stock_remaining": 5},
    )
    assert created.status_code == 201
    fans = [f"e2e-{uuid.uuid4().hex[:6]}" for _ in range(20)]
    for fan in fans:
        requests.post(f"{stack}/v1/checkins", headers=_auth(fan), timeout=10)

    def redeem(fan: str) -> int:
        headers = {**_auth(fan), "Idempotency-Key": "k"}
        return requests.post(
            f"{stack}/v1/redemptions", json={"reward_id": reward}, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(redeem, fans))
    assert statuses == Counter({201: 5, 409: 15}), statuses
    listed = requests.get(f"{stack}/v1/rewards", headers=_auth("ops", admin=True), timeout=10).json()["items"]
    assert next(r for r in listed if r["reward_id"] == reward)["stock_remaining"] == 0


def test_stack_stops_cleanly_and_runs_again():
    port, moto_port = _free_port(), _free_port()
    for _ in range(2):
        process = _start(port, moto_port)
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        _stop(process)
        assert process.returncode == 0
        with socket.socket() as sock:  # nothing left listening
            assert sock.connect_ex(("127.0.0.1", port)) != 0
            assert sock.connect_ex(("127.0.0.1", moto_port)) != 0
