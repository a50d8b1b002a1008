"""`recalculate-tiers` over N seeded fans on in-process moto, against a bare parallel scan of the same table.

Two runs on the same day: the first promotes (its writes are counted per changed fan), the
second finds nothing to change, so its time is the job's two read passes (measure, then decide)
alone, compared with the floor: boto3 scanning the same segments with the same page size.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from bench.counting import recording
from chalicelib.domain.activity import Kind

SIZES = (1_000, 2_000)
SEED = 20261130
ACTIONS: tuple[Kind, ...] = ("checkin", "liked", "commented", "shared")


def _seed(fans: int, clock_now: Any) -> None:
    from chalicelib.domain import activity
    from chalicelib.domain import fan as fans_domain
    from chalicelib.persistence import codec
    from chalicelib.persistence.models import FanModel

    rules = activity.ScoreRules()
    rng = random.Random(SEED)
    with FanModel.batch_write() as batch:
        for n in range(fans):
            acted = activity.Activity()
            for _ in range(rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 13))):  # most fans quiet, a long tail
                at = clock_now - timedelta(hours=rng.randrange(0, 24 * 20))
                kind = rng.choice(ACTIONS)
                acted = activity.record(acted, kind, at, at.date(), rules)
            fan = fans_domain.Fan(f"bench-fan-{n:06d}", version=1, created_at=clock_now, activity=acted)
            batch.save(codec.fan_to_item(fan))


def _floor(segments: int, page: int) -> tuple[float, int]:
    """A bare parallel scan: every segment, page by page, with the app's page size."""
    import boto3

    from chalicelib.settings import get_settings

    client = boto3.client("dynamodb", region_name="us-east-1")
    table = get_settings().table_name("fans")
    began, seen = time.perf_counter(), 0
    for segment in range(segments):
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            answer = client.scan(TableName=table, Segment=segment, TotalSegments=segments, Limit=page, **extra)
            seen += len(answer["Items"])
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
    return time.perf_counter() - began, seen


def measure(fans: int) -> dict[str, Any]:
    from bench import environment
    from bench.driver import Clock, installed
    from chalicelib.services import job_worker, jobs, tier_recalculation
    from chalicelib.settings import get_settings

    with environment.fresh_aws(), installed(Clock()) as clock:
        _seed(fans, clock.now)
        floor_seconds, scanned = _floor(get_settings().job_segments, job_worker.PAGE)
        with recording() as first_log:
            began = time.perf_counter()
            first = jobs.run_in_process(jobs.start(tier_recalculation.JOB.name, "bench-1", "operator", clock.now))
            first_seconds = time.perf_counter() - began
        with recording() as second_log:
            began = time.perf_counter()
            second = jobs.run_in_process(jobs.start(tier_recalculation.JOB.name, "bench-2", "operator", clock.now))
            second_seconds = time.perf_counter() - began
    changed = first.summary.get("promoted", 0) + first.summary.get("demoted", 0)
    first_writes, second_writes = _fan_writes(first_log), _fan_writes(second_log)
    return {
        "fans": fans,
        "scanned_by_floor": scanned,
        "floor_seconds": round(floor_seconds, 3),
        "floor_fans_per_second": round(scanned / floor_seconds),
        "read_passes_fans_per_second": round(2 * fans / second_seconds),
        "read_pass_vs_floor": round((2 * fans / second_seconds) / (scanned / floor_seconds), 2),
        "first_run_seconds": round(first_seconds, 2),
        "changed_fans": changed,
        "fan_writes_first_run": first_writes,
        "writes_per_changed_fan": round(first_writes / changed, 2) if changed else None,
        "fan_writes_second_run": second_writes,
        "unchanged_second_run": second.summary.get("fans", 0) - second.summary.get("promoted", 0),
        "summary_first_run": first.summary,
    }


def _fan_writes(log: Any) -> int:
    """Transactions that write fans, apart from the job's own bookkeeping (run, lock, segments, context)."""
    return sum(1 for r in log.requests if r.operation == "TransactWriteItems" and b"-job-runs" not in r.body)


def run() -> list[dict[str, Any]]:
    return [measure(size) for size in SIZES]
