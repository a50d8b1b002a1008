"""Evidence that fits a message: per-fan hits grouped into one observation, and a size bound on anything else.

One message per rule, never one per fan: a thousand farming fans are one alert whose evidence
lists the worst of them and counts the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.alerts.model import Category, Evidence, Level, Observation, rank

EVIDENCE_ITEMS = 20
"""Per-item evidence a rule lists (the worst first) before it only counts the rest."""

MAX_EVIDENCE_BYTES = 32 * 1024
"""Well inside SNS's 256 KB message and DynamoDB's 400 KB item, with the rest of the alert beside it."""


@dataclass(frozen=True)
class FanHit:
    """One fan a rule flagged, with what made it suspicious (JSON values)."""

    fan_id: str
    level: Level
    detail: dict[str, Any] = field(default_factory=dict)


def top(items: Sequence[Any], limit: int = EVIDENCE_ITEMS) -> dict[str, Any]:
    """Bounded evidence: the first `limit` items (callers sort them, worst first) and how many there were."""
    return {"items": list(items[:limit]), "count": len(items)}


def bounded(evidence: Evidence) -> Evidence:
    """The evidence as given if its JSON is small enough; otherwise a note of what was left out."""
    size = len(json.dumps(evidence, default=str, separators=(",", ":")).encode())
    if size <= MAX_EVIDENCE_BYTES:
        return evidence
    return {"omitted": "evidence too large for a notification", "bytes": size}


def grouped(
    rule: str,
    category: Category,
    scope: str,
    hits: Sequence[FanHit],
    *,
    limit: int,
    title: str,
    summary: str,
    runbook: str,
    pending: timedelta | None = None,
    repeat_interval: timedelta | None = None,
    clear_period: timedelta | None = None,
    inhibited_by_technical: bool = False,
    observed_at: datetime | None = None,
) -> Observation:
    """All of one rule's per-fan hits as one observation: the highest level, the worst `limit` fans as evidence.

    No hits is the rule's clear observation, so the alert can resolve.
    """
    level = max((h.level for h in hits), key=rank, default=None)
    worst = sorted(hits, key=lambda h: (-rank(h.level), h.fan_id))[: max(limit, 0)]
    evidence: Evidence = {
        "fans": [{"fan_id": h.fan_id, "level": h.level, **h.detail} for h in worst],
        "count": len(hits),
        "omitted": len(hits) - len(worst),
    }
    return Observation(
        rule=rule,
        category=category,
        scope=scope,
        level=level,
        title=title,
        summary=summary,
        evidence=evidence,
        runbook=runbook,
        pending=pending,
        repeat_interval=repeat_interval,
        clear_period=clear_period,
        inhibited_by_technical=inhibited_by_technical,
        observed_at=observed_at,
    )
