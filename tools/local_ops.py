"""`make run`'s ops subscriber: an SQS queue on the local alerts topic, printing each notification as it arrives.

Deployed, ops subscribe e-mail, SMS or chat to the topic (docs/operations.md, "Alert lifecycle");
locally moto delivers SNS to SQS, and this process prints what a subscriber would receive.
`--setup` creates the topic, the queue and the subscription (run by the stack before the API
starts, so no notification is published before anyone listens).
"""

from __future__ import annotations

import argparse
import json
import time
from functools import lru_cache
from typing import Any

from chalicelib.messaging import notifications
from chalicelib.observability import logger
from chalicelib.settings import get_settings

QUEUE = "fan-engagement-local-ops"
POLL_SECONDS = 0.5  # short polls: a long poll would hold the serialised moto server's lock


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import botocore.session

    return botocore.session.get_session().create_client("sqs", region_name=get_settings().region)


def topic_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def setup() -> str:
    """The topic named by ALERTS_TOPIC_ARN, and the ops queue subscribed to it; the queue's URL."""
    topic = get_settings().alerts_topic_arn
    if topic is None:
        raise SystemExit("ALERTS_TOPIC_ARN is not set")
    notifications.create_topic(topic_name(topic))
    url = str(_sqs().create_queue(QueueName=QUEUE)["QueueUrl"])
    queue = _sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    notifications.subscribe_queue(queue, raw=True)
    return url


def describe(message: dict[str, Any]) -> str:
    """One line per notification: level, what happened, the title and summary, where the runbook is."""
    level = str(message.get("level") or "").upper()
    summary = f" - {message['summary']}" if message.get("summary") else ""
    return (
        f"[ops] {level} {message.get('notification')} ({message.get('status')}) {message.get('title')}{summary}"
        f" | {message.get('dedup_key')} | runbook: {message.get('runbook')} | id {message.get('notification_id')}"
    )


def drain(url: str) -> list[dict[str, Any]]:
    """The notifications waiting in the queue, removed from it."""
    found: list[dict[str, Any]] = []
    while True:
        batch = _sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            _sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def main() -> None:
    parser = argparse.ArgumentParser(description="Print alert notifications published on the local stack.")
    parser.add_argument("--setup", action="store_true", help="create the topic, queue and subscription, then exit")
    args = parser.parse_args()
    if args.setup:
        setup()
        return
    url = str(_sqs().get_queue_url(QueueName=QUEUE)["QueueUrl"])
    print(f"[ops] subscribed to {get_settings().alerts_topic_arn}: notifications print here", flush=True)
    while True:
        try:
            messages = drain(url)
        except Exception:  # the local moto went away or refused: say so, and look again later
            logger.exception("local ops subscriber could not read its queue")
            messages = []
        for message in messages:
            print(describe(message), flush=True)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
