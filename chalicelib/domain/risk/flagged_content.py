"""Flagged-content surge: platforms' moderation flags arriving far faster than over the last day.

A raid, a spam wave or a moderation change upstream shows as many `content.flagged` deliveries
in a short time. Flags are counted in buckets; the latest window is compared with the windows
of the previous day (`bursts`), so a level needs a robust z and a count of flags. Two windows
are judged and the higher level wins (multi-window alerting): 30 minutes sees a slow wave, 5
minutes sees a raid in the scan after it starts, when the 30-minute count is still below its floor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import Category, Observation, rank
from chalicelib.domain.risk import bursts
from chalicelib.domain.risk.levels import Ladder, Timing
from chalicelib.domain.risk.stats import ScaleFloor

RULE = "flagged_content_surge"
CATEGORY: Category = "content"
RUNBOOK = "operations.md#flagged-content-surge"
SCOPE = "community"
Severity = Literal["low", "medium", "high"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")


@dataclass(frozen=True)
class ContentFlag:
    platform: str
    content_id: str
    reason: str
    severity: Severity
    at: datetime


@dataclass(frozen=True)
class FlaggedContentInput:
    """`buckets`: flags per bucket start; `recent`: the flags of the latest window, for the evidence;
    `since`: when counting began (None: long ago)."""

    now: datetime
    buckets: Mapping[datetime, int]
    recent: Sequence[ContentFlag] = ()
    since: datetime | None = None


def _fast() -> bursts.RateRule:
    """A day of 5-minute windows, judged by how unlikely the count is at the day's mean rate."""
    return bursts.RateRule(
        window=timedelta(minutes=5),
        history_windows=288,
        min_history_windows=72,
        surprise=Ladder(warning=6.0, activate=9.0, escalate=12.0),
        counts=Ladder(warning=4, activate=12, escalate=50),
    )


def _rule() -> bursts.BurstRule:
    return bursts.BurstRule(
        window=timedelta(minutes=30),
        history_windows=48,
        min_history_windows=12,
        floor=ScaleFloor(absolute=1.0, relative=0.25),
        z_levels=Ladder(warning=5.0, activate=8.0, escalate=15.0),
        counts=Ladder(warning=15, activate=40, escalate=150),
    )


@dataclass(frozen=True)
class FlaggedContentConfig:
    burst: bursts.BurstRule = field(default_factory=_rule)
    fast: bursts.RateRule = field(default_factory=_fast)
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(minutes=30)))


def evaluate(signal: FlaggedContentInput, config: FlaggedContentConfig) -> list[Observation]:
    burst = bursts.judge(signal.buckets, signal.now, signal.since, config.burst)
    fast = bursts.judge_rate(signal.buckets, signal.now, signal.since, config.fast)
    flags = sorted(signal.recent, key=lambda f: (SEVERITIES.index(f.severity), f.at), reverse=True)
    shown = {"flags": top([_shown(flag) for flag in flags])}
    if rank(fast.level) > rank(burst.level):
        level, count, window = fast.level, fast.count, config.fast.window
        evidence = fast.evidence(config.fast)
        usual = f"{evidence['baseline_mean']}"
    else:
        level, count, window = burst.level, burst.count, config.burst.window
        evidence = burst.evidence(config.burst)
        usual = f"{evidence['baseline_median']}"
    minutes = int(window / timedelta(minutes=1))
    summary = (
        f"{int(count)} content flags in {minutes} minutes, against a usual {usual}."
        if level
        else f"{int(count)} content flags in {minutes} minutes: no surge."
    )
    return [
        Observation(
            RULE,
            CATEGORY,
            SCOPE,
            level,
            title="Flagged-content surge",
            summary=summary,
            evidence=evidence | shown,
            runbook=RUNBOOK,
        )
    ]


def _shown(flag: ContentFlag) -> dict[str, str]:
    return {
        "platform": flag.platform,
        "content_id": flag.content_id,
        "reason": flag.reason,
        "severity": flag.severity,
        "flagged_at": flag.at.isoformat(),
    }
