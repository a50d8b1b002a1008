"""`recalculate-tiers` over 10,000 and 100,000 seeded fans, against a bare parallel scan of the same table.

Each size gets its own moto server (serialised, with O(page) segmented scans and copy-free
transactions: tools/moto_scan.py, tools/moto_transactions.py, so moto's own O(N) per call does
not swamp what is measured) and two fresh processes: one seeds the fans, the other is the
worker. The worker scans the table as the floor would (boto3, the job's segments and page size),
before and after running the job twice on the same day: the first run promotes (its writes counted per changed
fan); the second finds nothing to change, so its time is the job's two read passes alone. The
worker's peak RSS is the job's memory, not moto's tables, which live in the server. Each ratio
is given twice: by wall time, and by the CPU time the worker and the server spent together, which
other load on the machine barely moves.

`python -m bench.recalculation seed|work FANS NOW` are those two processes.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from bench import moto_server
from bench.counting import Tally, tallying

SIZES = (10_000, 100_000)
SEED = 20261130
NOW = "2026-11-22T04:00:00+00:00"
BOOKKEEPING = b"-job-runs"  # the job-runs table's name: calls touching it are the run's own


def _seed(fans: int, now: datetime) -> None:
    from chalicelib.domain import activity
    from chalicelib.domain import fan as fans_domain
    from chalicelib.persistence import codec
    from chalicelib.persistence.models import FanModel

    rules = activity.ScoreRules()
    rng = random.Random(SEED)
    kinds: tuple[activity.Kind, ...] = ("checkin", "liked", "commented", "shared")
    with FanModel.batch_write() as batch:
        for n in range(fans):
            acted = activity.Activity()
            for _ in range(rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 13))):  # most fans quiet, a long tail
                at = now - timedelta(hours=rng.randrange(0, 24 * 20))
                acted = activity.record(acted, rng.choice(kinds), at, at.date(), rules)
            fan = fans_domain.Fan(f"bench-fan-{n:07d}", version=1, created_at=now, activity=acted)
            batch.save(codec.fan_to_item(fan))


def _floor(segments: int, page: int) -> tuple[float, int]:
    """A bare parallel scan: every segment, page by page, with the job's page size."""
    import boto3

    from chalicelib.settings import get_settings

    client = boto3.client("dynamodb")
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


def _work(fans: int, now: datetime) -> dict[str, Any]:
    from bench.driver import Clock, installed
    from chalicelib.services import job_worker, jobs, tier_recalculation
    from chalicelib.settings import get_settings

    name = tier_recalculation.JOB.name
    cpu = [moto_server.cpu_seconds()]
    with installed(Clock(now)):
        before_seconds, scanned = _floor(get_settings().job_segments, job_worker.PAGE)
        cpu.append(moto_server.cpu_seconds())
        with tallying(BOOKKEEPING) as first_log:
            began = time.perf_counter()
            first = jobs.run_in_process(jobs.start(name, "bench-1", "operator", now))
            first_seconds = time.perf_counter() - began
        cpu.append(moto_server.cpu_seconds())
        with tallying(BOOKKEEPING) as second_log:
            began = time.perf_counter()
            second = jobs.run_in_process(jobs.start(name, "bench-2", "operator", now))
            second_seconds = time.perf_counter() - began
        cpu.append(moto_server.cpu_seconds())
        after_seconds, _ = _floor(get_settings().job_segments, job_worker.PAGE)
        cpu.append(moto_server.cpu_seconds())
    floor_seconds = (before_seconds + after_seconds) / 2  # either side of the job's read passes: drift cancels
    floor_cpu = ((cpu[1] - cpu[0]) + (cpu[4] - cpu[3])) / 2
    read_cpu = cpu[3] - cpu[2]
    if second.summary.get("promoted", 0) or second.summary.get("demoted", 0):
        raise RuntimeError(f"the second run of the day changed fans: {second.summary}")
    changed = first.summary.get("promoted", 0) + first.summary.get("demoted", 0)
    first_writes, second_writes = _fan_writes(first_log), _fan_writes(second_log)
    return {
        "fans": fans,
        "scanned_by_floor": scanned,
        "floor_seconds": round(floor_seconds, 2),
        "floor_seconds_before_and_after": [round(before_seconds, 2), round(after_seconds, 2)],
        "floor_fans_per_second": round(scanned / floor_seconds),
        "read_passes_seconds": round(second_seconds, 2),
        "read_passes_fans_per_second": round(2 * fans / second_seconds),
        "read_pass_vs_floor": round((2 * fans / second_seconds) / (scanned / floor_seconds), 2),
        "floor_cpu_seconds": round(floor_cpu, 2),
        "read_passes_cpu_seconds": round(read_cpu, 2),
        "read_pass_vs_floor_cpu": round((2 * fans / read_cpu) / (scanned / floor_cpu), 2),
        "first_run_seconds": round(first_seconds, 1),
        "changed_fans": changed,
        "fan_writes_first_run": first_writes,
        "writes_per_changed_fan": round(first_writes / changed, 3) if changed else None,
        "fan_writes_second_run": second_writes,
        "requests_second_run": second_log.total(),
        "worker_peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "summary_first_run": first.summary,
    }


def _fan_writes(tally: Tally) -> int:
    """Transactions that write fans, apart from the job's own bookkeeping (run, lock, segments, context)."""
    return tally.counts.get(("TransactWriteItems", False), 0)


def measure(fans: int) -> dict[str, Any]:
    with moto_server.running(moto_server.environment(), "--fast-scan") as env:
        command = [sys.executable, "-m", "bench.recalculation"]
        began = time.perf_counter()
        subprocess.run([*command, "seed", str(fans), NOW], cwd=moto_server.ROOT, env=env, check=True)
        seeded = time.perf_counter() - began
        done = subprocess.run(
            [*command, "work", str(fans), NOW], cwd=moto_server.ROOT, env=env, check=True, capture_output=True
        )
    figures: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {**figures, "seed_seconds": round(seeded, 1)}


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    figures = [measure(size) for size in sizes]
    smallest, largest = figures[0], figures[-1]
    growth = largest["worker_peak_rss_kib"] / smallest["worker_peak_rss_kib"]
    for f in figures:
        f["peak_rss_vs_smallest"] = round(f["worker_peak_rss_kib"] / smallest["worker_peak_rss_kib"], 3)
    largest["peak_rss_growth_over_sizes"] = round(growth, 3)
    return figures


def main(argv: list[str]) -> None:
    step, fans, now = argv[0], int(argv[1]), datetime.fromisoformat(argv[2])
    if step == "seed":
        _seed(fans, now)
    elif step == "work":
        print(json.dumps(_work(fans, now)), flush=True)
    else:
        raise SystemExit(f"unknown step {step!r}: seed or work")


if __name__ == "__main__":
    main(sys.argv[1:])
