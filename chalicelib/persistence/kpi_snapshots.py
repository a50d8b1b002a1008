"""The daily KPI snapshots: a put per community day (a rerun replaces it), a range of days in one query."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from chalicelib.persistence.models import KpiSnapshotModel
from chalicelib.persistence.transaction import with_retries

DAILY = "daily"


def put(day: date, snapshot: Mapping[str, Any]) -> None:
    """Store the day's snapshot whole; the same day again overwrites it (idempotent for the same values)."""
    item = KpiSnapshotModel(DAILY, day.isoformat(), snapshot=json.dumps(snapshot, sort_keys=True))
    with_retries(item.save)


def between(first: date, last: date) -> list[dict[str, Any]]:
    """The stored snapshots of `first` … `last` (both included), oldest first; days without one are absent."""

    def read() -> list[dict[str, Any]]:
        found = KpiSnapshotModel.query(DAILY, KpiSnapshotModel.day.between(first.isoformat(), last.isoformat()))
        return [json.loads(item.snapshot) for item in found]

    return with_retries(read)
