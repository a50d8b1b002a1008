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

RULE = "local-every-event"
QUEUES = ("printed", "local")  # read (and emptied) by tools/local_streams.py; left for you to read


def create(*queues: str) -> list[str]:
    """The bus `<prefix>-events` (if absent), and each queue `<prefix>-events-<name>` with a rule to it; their URLs."""
    bus = get_settings().event_bus
    events, sqs = boto3.client("events"), boto3.client("sqs")
    if bus not in {b["Name"] for b in events.list_event_buses()["EventBuses"]}:
        events.create_event_bus(Name=bus)
    urls = []
    for name in queues:
        url = sqs.create_queue(QueueName=f"{bus}-{name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule = f"{RULE}-to-{name}"
        events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": name, "Arn": arn}])
        urls.append(str(url))
    return urls


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


def main() -> None:
    create(*QUEUES)


if __name__ == "__main__":
    main()
