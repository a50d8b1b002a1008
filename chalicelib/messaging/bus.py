"""Outgoing domain events onto the EventBridge bus: PutEvents, ten entries a call, failures per entry.

botocore directly (as PynamoDB does), not boto3: importing boto3 costs a cold start ~150 ms. The
client is made on first use. A call that fails as a whole fails each of its entries; a call that
partly fails (`FailedEntryCount`) fails only the entries that carry an `ErrorCode`, so the caller
can report exactly the records those events came from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.outgoing_events import SOURCE, OutgoingEvent
from chalicelib.observability import logger
from chalicelib.settings import get_settings

MAX_ENTRIES = 10  # PutEvents takes at most 10 entries per call


@lru_cache(maxsize=1)
def _client() -> Any:
    config = Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
    return botocore.session.get_session().create_client("events", region_name=get_settings().region, config=config)


def entry(event: OutgoingEvent) -> dict[str, Any]:
    return {
        "EventBusName": get_settings().event_bus,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": json.dumps(event.detail(), separators=(",", ":")),
        "Time": event.occurred_at,
    }


def publish(events: Sequence[OutgoingEvent]) -> set[int]:
    """Put every event on the bus; the positions (in `events`) of those that were not accepted."""
    failed: set[int] = set()
    for start in range(0, len(events), MAX_ENTRIES):
        chunk = events[start : start + MAX_ENTRIES]
        try:
            response = _client().put_events(Entries=[entry(e) for e in chunk])
        except (BotoCoreError, ClientError):
            logger.exception("PutEvents failed", extra={"events": len(chunk)})
            failed.update(range(start, start + len(chunk)))
            continue
        if response.get("FailedEntryCount"):
            for offset, result in enumerate(response["Entries"]):
                if "ErrorCode" in result:
                    failed.add(start + offset)
                    logger.warning(
                        "event not accepted by the bus",
                        extra={
                            "detail_type": chunk[offset].detail_type,
                            "event_id": chunk[offset].event_id,
                            "error_code": result["ErrorCode"],
                        },
                    )
    return failed
