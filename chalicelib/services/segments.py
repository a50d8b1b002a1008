"""The tier and lifecycle distribution of the last recalculation (GET /v1/admin/segments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import ranking
from chalicelib.domain.errors import SegmentsNotCalculated
from chalicelib.domain.lifecycle import STAGES
from chalicelib.domain.tiers import TIERS
from chalicelib.persistence import job_runs
from chalicelib.services import lifecycle_update, tier_recalculation


@dataclass(frozen=True)
class Segments:
    run_id: str
    calculated_at: datetime
    fans: int
    cutoffs: ranking.Cutoffs
    tiers: dict[str, int]
    lifecycle: dict[str, int]
    changes: dict[str, int]


def latest() -> Segments:
    """From the newest succeeded runs' summaries: two keyed reads, whatever the number of fans."""
    tiers_run = job_runs.latest(tier_recalculation.JOB.name)
    if tiers_run is None or tiers_run.context is None or tiers_run.finished_at is None:
        raise SegmentsNotCalculated("No recalculate-tiers run has finished yet.")
    stages_run = job_runs.latest(lifecycle_update.JOB.name)
    stages = stages_run.summary if stages_run is not None else {}
    summary = tiers_run.summary
    return Segments(
        run_id=tiers_run.run_id,
        calculated_at=tiers_run.finished_at,
        fans=summary.get("fans", 0),
        cutoffs=ranking.Ranking.from_dict(tiers_run.context).entry,
        tiers={tier: summary.get(f"tier_{tier}", 0) for tier in TIERS},
        lifecycle={stage: stages.get(f"stage_{stage}", 0) for stage in STAGES},
        changes={reason: summary.get(reason, 0) for reason in ("promoted", "demoted", "held_by_hysteresis")},
    )
