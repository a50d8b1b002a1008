"""Stream consumers that publish the outgoing domain events each write implies (API.md; docs/events.md).

Events are derived from the tables' streams, not sent by the use cases: routes and webhooks make no
extra request, and an event goes out if and only if its change was committed. Each consumer
collects a batch's events with the record each came from, then publishes them in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain import outgoing_events
from chalicelib.domain.outgoing_events import OutgoingEvent
from chalicelib.messaging import bus
from chalicelib.observability import count, logger
from chalicelib.persistence import stream_images
from chalicelib.settings import get_settings

Record = Mapping[str, Any]
Derive = Callable[[Record], list[OutgoingEvent]]


class Publisher:
    """A `streams.Consumer`: events are derived per record, published together at the batch's end."""

    def __init__(self, derive: Derive) -> None:
        self._derive = derive
        self._pending: list[tuple[str, OutgoingEvent]] = []

    def take(self, record: Record) -> None:
        seq = stream_images.sequence_number(record)
        self._pending += [(seq, event) for event in self._derive(record)]

    def flush(self) -> set[str]:
        pending, self._pending = self._pending, []
        if not pending:
            return set()
        failed = bus.publish([event for _, event in pending])
        for position, (_, event) in enumerate(pending):
            if position not in failed:
                logger.info(
                    "event published",
                    extra={"detail_type": event.detail_type, "event_id": event.event_id, "fan_id": event.fan_id},
                )
        count("EventsPublished", len(pending) - len(failed))
        if failed:
            count("EventsNotPublished", len(failed))
        return {pending[position][0] for position in failed}


def _fan(record: Record) -> list[OutgoingEvent]:
    change = stream_images.fan_change(record)
    if change.new is None:
        return []
    return outgoing_events.fan_events(change.old, change.new, change.at, get_settings().points_expiry_months)


def _ledger(record: Record) -> list[OutgoingEvent]:
    entry = stream_images.ledger_change(record).new
    return outgoing_events.ledger_events(entry) if entry is not None else []


def _redemption(record: Record) -> list[OutgoingEvent]:
    change = stream_images.redemption_change(record)
    return outgoing_events.redemption_events(change.old, change.new) if change.new is not None else []


def fan_events(_shard: str | None) -> Publisher:
    """Events need no checkpoint: their ids make a repeat harmless, whatever the shard."""
    return Publisher(_fan)


def ledger_events(_shard: str | None) -> Publisher:
    return Publisher(_ledger)


def redemption_events(_shard: str | None) -> Publisher:
    return Publisher(_redemption)
