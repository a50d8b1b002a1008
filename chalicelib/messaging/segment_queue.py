"""The job-segment queue (docs/jobs.md): messages sent to it, and a batch of them received by a worker Lambda.

The client is botocore's, created on first use: a function that never enqueues (the authorizer, a
fan route) pays nothing for it at cold start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import botocore.session
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.config import Config

from chalicelib.settings import get_settings

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 3  # per batch, for entries SQS reports failed (throttled, or a transient fault)

Handle = Callable[[str, int, Callable[[], float]], None]  # body, receive count, seconds the worker has left


class NotSent(Exception):
    """SQS refused some messages after every attempt; the caller records its run failed, and it is retried."""


@lru_cache(maxsize=1)
def _client() -> Any:
    config = Config(connect_timeout=1, read_timeout=5, retries={"mode": "standard", "max_attempts": 4})
    return botocore.session.get_session().create_client("sqs", region_name=get_settings().region, config=config)


def send(queue_url: str, bodies: Sequence[str]) -> None:
    """Every body on the queue, at least once (a retried batch may repeat one: the workers take duplicates)."""
    for chunk in _chunks(bodies):
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(chunk)]
        for _ in range(ATTEMPTS):
            answer = _client().send_message_batch(QueueUrl=queue_url, Entries=entries)
            failed = {f["Id"]: f for f in answer.get("Failed", [])}
            entries = [e for e in entries if e["Id"] in failed]
            if not entries:
                break
        else:
            codes = sorted({f.get("Code", "?") for f in failed.values()})
            raise NotSent(f"{len(entries)} segment messages not sent to {queue_url}: {', '.join(codes)}")


def _chunks(bodies: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(bodies), BATCH):
        yield bodies[start : start + BATCH]


def work_batch(event: dict[str, Any], context: Any, handle: Handle) -> PartialItemFailureResponse:
    """Handle each message of a Lambda SQS batch; only the ones that raised are returned to the queue.

    The answer is SQS's partial batch response (the event source reports item failures), so one bad
    message is retried, and ends in the DLQ, alone; the others of its batch are deleted.
    """

    def time_left() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000

    def each(record: SQSRecord) -> None:  # Powertools passes it as `record=`
        handle(record.body, int(record.attributes.approximate_receive_count), time_left)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=each, processor=processor, context=context)


def register_hook(event_name: str, handler: Callable[..., Any]) -> None:
    """A botocore hook on the queue's client (tests record the IAM actions it needs)."""
    _client().meta.events.register(event_name, handler)


def unregister_hook(event_name: str, handler: Callable[..., Any]) -> None:
    _client().meta.events.unregister(event_name, handler)
