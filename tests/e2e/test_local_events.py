"""Outgoing events on `make run`'s stack: the stream handlers are fed by the stack, and events reach a local queue."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
import requests

from tests import events
from tools.stack_process import auth, free_port, start, stop, wait_healthy

pytestmark = pytest.mark.e2e


def received(sqs: Any, queue: str, seconds: float = 30) -> list[dict[str, Any]]:
    """Events from the stack's queue until a redemption's arrives or time runs out."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(e["detail-type"] == "RedemptionConfirmed" for e in found):
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            found.append(json.loads(message["Body"]))
        time.sleep(0.3)
    return found


def test_a_redemption_over_http_reaches_the_local_events_queue():
    port, moto_port = free_port(), free_port()
    process = start(port, moto_port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        key = uuid.uuid4().hex
        response = requests.post(
            f"{url}/v1/redemptions",
            json={"reward_id": "sticker-pack"},
            headers={**auth("fan-alice"), "Idempotency-Key": key},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        endpoint = f"http://127.0.0.1:{moto_port}"
        sqs = boto3.client("sqs", endpoint_url=endpoint, aws_access_key_id="local", aws_secret_access_key="local")
        queue = sqs.get_queue_url(QueueName="local-events-local")["QueueUrl"]
        found = received(sqs, queue)
    finally:
        stop(process)
    [confirmed] = [e for e in found if e["detail-type"] == "RedemptionConfirmed"]
    assert confirmed["source"] == "fan-engagement"
    assert confirmed["detail"]["redemption_id"] == response.json()["redemption_id"]
    assert events.problems("RedemptionConfirmed", confirmed["detail"]) == []
