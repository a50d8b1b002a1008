"""The events bus on moto with a rule copying every event to a queue, so that emitted events can be read locally.

moto delivers EventBridge events to SQS targets at PutEvents time. The queue receives each event as
EventBridge's envelope (`id`, `detail-type`, `source`, `time`, `detail`...), as a deployed
consumer's target would.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.domain.outgoing_events import SOURCE
from chalicelib.settings import get_settings

RULE = "local-every-domain-event"


def create() -> str:
    """The bus `<prefix>-events` (if absent), a queue `<prefix>-events-local` and a rule to it; the queue URL."""
    bus = get_settings().event_bus
    events, sqs = boto3.client("events"), boto3.client("sqs")
    if bus not in {b["Name"] for b in events.list_event_buses()["EventBuses"]}:
        events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName=f"{bus}-local")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=RULE, EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule=RULE, EventBusName=bus, Targets=[{"Id": "local-queue", "Arn": arn}])
    return str(queue)


def receive(queue: str) -> list[dict[str, Any]]:
    """Every event waiting in the queue, oldest first as SQS gives them; each is deleted once read."""
    sqs = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
