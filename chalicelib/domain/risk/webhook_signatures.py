"""Rejected webhook signatures (technical): a burst of 401s from one platform's deliveries.

A rotation done in the wrong order rejects every delivery of a platform; a forger probing the
endpoint rejects many at once. Rejections (bad signature or a timestamp out of tolerance) are
counted per platform in buckets; the latest `window` is compared with the previous day's
windows (`bursts`). One observation per platform, so each can be handled and resolved alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.alerts.model import Category, Observation
from chalicelib.domain.risk import bursts
from chalicelib.domain.risk.levels import Ladder, Timing
from chalicelib.domain.risk.stats import ScaleFloor

RULE = "webhook_signatures"
CATEGORY: Category = "technical"
RUNBOOK = "operations.md#rejected-webhook-signatures"


@dataclass(frozen=True)
class WebhookSignaturesInput:
    """Rejected deliveries per platform, per bucket start; `since`: when counting began (None: long ago)."""

    now: datetime
    rejected: Mapping[str, Mapping[datetime, int]]
    since: datetime | None = None


def _rule() -> bursts.BurstRule:
    return bursts.BurstRule(
        window=timedelta(minutes=5),
        history_windows=288,
        min_history_windows=12,
        floor=ScaleFloor(absolute=1.0, relative=0.25),
        z_levels=Ladder(warning=5.0, activate=8.0, escalate=12.0),
        counts=Ladder(warning=20, activate=100, escalate=1000),
    )


@dataclass(frozen=True)
class WebhookSignaturesConfig:
    burst: bursts.BurstRule = field(default_factory=_rule)
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(minutes=15)))


def evaluate(signal: WebhookSignaturesInput, config: WebhookSignaturesConfig) -> list[Observation]:
    return [_judge(platform, signal, config) for platform in sorted(signal.rejected)]


def _judge(platform: str, signal: WebhookSignaturesInput, config: WebhookSignaturesConfig) -> Observation:
    burst = bursts.judge(signal.rejected[platform], signal.now, signal.since, config.burst)
    evidence = {"platform": platform} | burst.evidence(config.burst)
    minutes = int(config.burst.window / timedelta(minutes=1))
    summary = (
        f"{int(burst.count)} webhook deliveries from {platform} rejected in {minutes} minutes"
        f" (usually {evidence['baseline_median']})."
        if burst.level
        else f"{int(burst.count)} rejected deliveries from {platform} in {minutes} minutes: no burst."
    )
    title = f"Rejected webhook signatures: {platform}"
    return Observation(
        RULE,
        CATEGORY,
        f"platform#{platform}",
        burst.level,
        title=title,
        summary=summary,
        evidence=evidence,
        runbook=RUNBOOK,
    )
