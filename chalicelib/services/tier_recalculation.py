"""The daily `recalculate-tiers` job: rank every fan's score, then move tiers with hysteresis.

First pass: every fan's engagement score at the run's instant into a histogram (memory by
distinct scores, not fans), merged into the run's cut-offs. Second pass: each fan's tier from its
score and the cut-offs (`domain/ranking.decide`: promotions at any run, warned one-tier
demotions at the monthly run); only fans whose tier or warning changes are written.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from chalicelib.domain import activity, days, ranking
from chalicelib.domain import fan as fans
from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.domain.jobs import JobRun
from chalicelib.domain.tiers import RECALCULATION_JOB, Tier
from chalicelib.services import fan_update
from chalicelib.services.job_spec import Context, Counts, Job, Measure
from chalicelib.settings import get_settings


def score(fan: fans.Fan, at: datetime) -> int:
    return activity.score(fan.activity, at, get_settings().score_rules)


def measured(fan: fans.Fan, run: JobRun) -> Counts:
    """One fan in the run's score histogram: its score at the run's instant, as a count under that score."""
    return {str(score(fan, run.started_at)): 1}


def cutoffs(counts: Counts, run: JobRun) -> dict[str, Any]:
    """The run's cut-offs from the merged histogram (score, as a decimal string -> fans)."""
    histogram = ScoreHistogram.from_counts({int(scored): n for scored, n in counts.items()})
    return ranking.rank(histogram, get_settings().tier_rules).to_dict()


def decide(fan: fans.Fan, at: datetime, context: Context | None) -> fan_update.Decision[Counts]:
    if context is None:
        raise ValueError("recalculate-tiers decides from the run's cut-offs")
    settings = get_settings()
    run_on = days.local_day(at, settings.community_time_zone)
    current = cast(Tier, fan.tier)
    ranked = ranking.Ranking.from_dict(context)
    decided = ranking.decide(current, score(fan, at), ranked, run_on, fan.tier_warning, settings.tier_rules)
    tier = decided.change.tier
    counts: Counts = {f"tier_{tier}": 1, decided.change.reason: 1}
    if tier == fan.tier and decided.warning == fan.tier_warning:
        return fan_update.Decision(counts)
    if decided.announce:
        counts["warned"] = 1
    since = run_on if tier != fan.tier else fan.tier_since
    after = replace(fan, tier=tier, tier_since=since, tier_warning=decided.warning)
    return fan_update.Decision(counts, fans.touch(fan, after, at))


JOB = Job(RECALCULATION_JOB, decide, hour=0, measure=Measure(measured, cutoffs))  # daily from 00:00
