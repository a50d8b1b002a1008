"""The alerts topic: one SNS publish per notification, with string attributes that subscriptions filter on.

A botocore client (not boto3: its import costs every cold start ~150 ms), created on first use
with short timeouts and botocore's own few retries: a publish that still fails leaves the
notification unsent in the outbox, to be published again by the next sweep.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.settings import get_settings


class TopicMissing(RuntimeError):
    """ALERTS_TOPIC_ARN is not configured: notifications stay in the outbox until it is."""


@lru_cache(maxsize=1)
def _client() -> Any:
    import botocore.config
    import botocore.session

    config = botocore.config.Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"})
    return botocore.session.get_session().create_client("sns", region_name=get_settings().region, config=config)


def publish(message: str, attributes: dict[str, str], subject: str) -> str:
    """Publish to the alerts topic; SNS's message id."""
    topic = get_settings().alerts_topic_arn
    if topic is None:
        raise TopicMissing("ALERTS_TOPIC_ARN is not set")
    response = _client().publish(
        TopicArn=topic,
        Message=message,
        Subject=subject,
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    )
    return str(response["MessageId"])


def create_topic(name: str) -> str:
    """For the local stack and tests (deployed, infra/resources.json declares it): the topic's ARN."""
    return str(_client().create_topic(Name=name)["TopicArn"])


def subscribe_queue(queue_arn: str, raw: bool) -> None:
    """For the local stack: an SQS queue receives every notification (deployed, ops subscribe their own endpoints)."""
    topic = get_settings().alerts_topic_arn
    attributes = {"RawMessageDelivery": "true" if raw else "false"}
    _client().subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes)
