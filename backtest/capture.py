"""What ops receive: an SQS queue subscribed to the alerts topic (as `make run`'s ops terminal), read each step.

A notification is stamped with the simulated instant it was read at (the end of the step that published
it), so minutes-to-alert are measured on the simulated clock at the simulator's 5-minute resolution.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backtest.report import KINDS, LEVELS, Notification


class Inbox:
    def __init__(self) -> None:
        from tools import local_ops

        self.url = local_ops.setup()
        self.received: list[Notification] = []
        self.unreadable: list[dict[str, Any]] = []

    def read(self, now: datetime) -> None:
        from tools import local_ops

        for message in local_ops.drain(self.url):
            notification = parse(message, now)
            if notification is None:
                self.unreadable.append(message)
            else:
                self.received.append(notification)


def parse(message: dict[str, Any], at: datetime) -> Notification | None:
    """The report's view of one SNS message (API.md "Risk alerts"); None if it lacks the contract's fields."""
    level, kind = message.get("level"), message.get("notification")
    fields = [message.get(name) for name in ("dedup_key", "rule", "category")]
    if level not in LEVELS or kind not in KINDS or not all(isinstance(f, str) for f in fields):
        return None
    return Notification(str(fields[0]), str(fields[1]), str(fields[2]), level, kind, at)
