"""Alert test helpers: an ops subscriber (an SQS queue on the alerts topic) and CloudWatch alarm events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import botocore.session

from chalicelib.settings import get_settings


class Subscriber:
    """Receives every notification published to the alerts topic that passes `filter_policy` (raw delivery)."""

    def __init__(self, filter_policy: dict[str, Any] | None = None) -> None:
        session = botocore.session.get_session()
        self.sqs = session.create_client("sqs", region_name="us-east-1")
        sns = session.create_client("sns", region_name="us-east-1")
        self.url = self.sqs.create_queue(QueueName=f"ops-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {"RawMessageDelivery": "true"}
        if filter_policy is not None:
            attributes["FilterPolicy"] = json.dumps(filter_policy)
        sns.subscribe(TopicArn=get_settings().alerts_topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        self.seen: list[dict[str, Any]] = []

    def received(self) -> list[dict[str, Any]]:
        """Every message so far (bodies, with their attributes under `_attributes`), in arrival order."""
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return list(self.seen)
            for message in batch:
                attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
                self.seen.append({**json.loads(message["Body"]), "_attributes": attributes})
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def kinds(self) -> list[str]:
        return [m["notification"] for m in self.received()]


def alarm_event(
    state: str, at: datetime, name: str = "fan-engagement-dev-Api5xxAlarm", event_id: str = "e-1"
) -> dict[str, Any]:
    """An EventBridge "CloudWatch Alarm State Change" event, as the alarm_state_changed function receives it."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": at.isoformat(),
        "region": "us-east-1",
        "resources": [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "reason": "Threshold Crossed", "timestamp": at.isoformat()},
            "previousState": {"value": "OK" if state == "ALARM" else "ALARM"},
        },
    }
