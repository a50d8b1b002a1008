"""`make bench`: DynamoDB requests per operation, latency against the floor, throughput, cold start, tier cut-offs.

Everything runs on in-process moto with fake credentials; nothing here can reach real AWS. Figures
are printed as tables and written to bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from bench import environment

RATIO_TARGET = 1.3
SECTIONS = ("counts", "latency", "throughput", "coldstart", "cutoffs", "recalculation")
DEFAULT_SECTIONS = SECTIONS[:-1]  # the recalculation takes minutes on moto: `make bench-jobs`


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--iterations", type=int, default=200, help="timed iterations per route (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed iterations before each route (default 20)")
    parser.add_argument("--events", type=int, default=512, help="webhook deliveries for throughput (default 512)")
    parser.add_argument("--cold-repeats", type=int, default=12, help="fresh interpreters per import (default 12)")
    parser.add_argument("--name", default="latest", help="results file bench/results/<name>.json (default latest)")
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=list(DEFAULT_SECTIONS), help="run only these sections"
    )
    return parser.parse_args(argv)


@contextmanager
def quiet() -> Iterator[None]:
    """EMF metrics and the app's log lines go to stdout; keep them (and their cost) but out of the tables."""
    from chalicelib.observability import logger

    handler: Any = logger.registered_handler
    with open(os.devnull, "w") as sink:
        previous = handler.setStream(sink)
        try:
            with redirect_stdout(sink), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="No application metrics to publish")
                yield
        finally:
            handler.setStream(previous)


def say(text: str) -> None:
    print(text, flush=True)


def counts() -> list[dict[str, Any]]:
    from bench import report, scenarios

    cases = []
    for group in scenarios.GROUPS:
        with quiet(), environment.driven() as driver:
            cases.extend(group(driver))
    rows = [
        (c.group, c.case, c.state, c.requests, c.status, _calls(c.operations), _target(c.target), c.meets)
        for c in cases
    ]
    headers = ("operation", "case", "caches", "requests", "status", "DynamoDB calls", "target", "met")
    say(report.table("1. DynamoDB requests per operation (exact)", headers, rows, _notes(cases)))
    return [{**asdict(c), "meets": c.meets} for c in cases]


def _calls(operations: list[str]) -> str:
    return ", ".join(operations) or "(none)"


def _target(target: int | None) -> str:
    return "-" if target is None else f"<= {target}"


def _notes(cases: list[Any]) -> str:
    return "\n".join(f"  note: {c.group} / {c.case} ({c.state}): {c.note}" for c in cases if c.note)


def latency(iterations: int, warmup: int) -> dict[str, Any]:
    from bench import latency as lat
    from bench import report
    from bench import routes as rt

    with quiet():
        verify = lat.jwt_verify(iterations)
    routes = []
    for route in rt.ROUTES:
        say(f"  timing {route.name} ...")
        with quiet():
            f = lat.figure(route, iterations, warmup)
        without_jwt = (f.app.median_ms - verify.median_ms) / f.floor.median_ms if f.includes == rt.AUTH else None
        extra = {"ratio": f.ratio, "overhead_ms": f.overhead_ms, "ratio_without_jwt": without_jwt}
        routes.append({**asdict(f), **extra, "meets_target": None if f.reference else f.ratio <= RATIO_TARGET})
    rows = [_route_row(r) for r in routes]
    headers = ["route", "requests per call", "route p50", "p99", "floor p50", "p99", "ratio", "overhead"]
    headers += ["ratio w/o JWT", f"<= {RATIO_TARGET}x"]
    note = (
        f"  ms; {iterations} timed iterations after {warmup} untimed; ratio = route p50 / floor p50.\n"
        f"  route (fan routes) = {rt.AUTH}\n"
        f"  route (webhooks)   = {rt.WEBHOOK}\n"
        "  floor = the same DynamoDB requests the route sent, replayed with a bare boto3 client on a mirror table\n"
        f"  JWT verify alone (chalicelib.api.auth.verify): p50 {verify.median_ms:.3f} ms, p99 {verify.p99_ms:.3f} ms;\n"
        "  'ratio w/o JWT' = (route p50 - verify p50) / floor p50 (API Gateway caches the authorizer for 300 s)."
    )
    say(report.table("2. In-process latency against the floor", headers, rows, note))
    return {"jwt_verify": asdict(verify), "routes": routes}


def _route_row(r: dict[str, Any]) -> tuple[Any, ...]:
    app, floor = r["app"], r["floor"]
    figures = (app["median_ms"], app["p99_ms"], floor["median_ms"], floor["p99_ms"], r["ratio"], r["overhead_ms"])
    return (r["route"], r["requests"], *figures, r["ratio_without_jwt"], r["meets_target"])


def throughput(events: int) -> dict[str, Any]:
    from bench import report
    from bench import throughput as tp

    with quiet():
        t = tp.throughput(events)
    met = t.ratio <= RATIO_TARGET
    row = (t.events, t.fans, t.requests_per_event, t.app_per_second, t.floor_per_second, t.ratio, met)
    headers = ("events", "fans", "requests/event", "app events/s", "floor events/s", "floor/app", f"<= {RATIO_TARGET}x")
    note = (
        f"  signed engagement.liked deliveries by {t.fans} linked fans on the artist's own posts, warm (after an\n"
        f"  untimed warm-up of {t.fans * t.fans}); events/s = events / summed delivery time, each delivery followed\n"
        f"  by the replay of its requests (the floor); items created are deleted every {t.batch} events, untimed."
    )
    say(report.table("3. Sustained webhook throughput (one process, sequential)", headers, [row], note))
    rates = {"app_per_second": t.app_per_second, "floor_per_second": t.floor_per_second, "ratio": t.ratio}
    return {**asdict(t), **rates, "meets_target": met}


def coldstart(repeats: int) -> dict[str, Any]:
    from bench import coldstart as cs
    from bench import report

    bundle = cs.extracted_bundle()
    with cs.local_services() as services:
        chosen = cs.variants(services, bundle)
        times = {t.name: t for t in cs.import_times(chosen, repeats)}
        documents = cs.documents_per_run(next(v for v in chosen if v.name == cs.FIRST_DEPLOYED), services)
    start = times[cs.START].median_ms
    rows, results = [], []
    for t in times.values():
        base = times[t.baseline].median_ms if t.baseline else None
        ratio = t.median_ms / base if base else None
        net = (t.median_ms - start) / (base - start) if base else None
        met = (ratio is not None and ratio <= RATIO_TARGET) if t.judged else None
        rows.append((t.name, t.repeats, t.median_ms, t.min_ms, t.max_ms, ratio, net, met))
        results.append({**asdict(t), "ratio": ratio, "net_ratio": net, "meets_target": met})
    headers = ("fresh interpreter", "runs", "median ms", "min", "max", "ratio", "net of start", f"<= {RATIO_TARGET}x")
    note = (
        "  ms from spawning a fresh interpreter until its code has run (its teardown excluded: Lambda never pays it).\n"
        "  round-robin; ratio = median / its baseline's median (import boto3; import boto3 + client + first Query\n"
        "  for the first-request rows; import boto3 with no bytecode for the repo's row without it; deployment.zip\n"
        "  rows against import boto3 with bytecode, as the runtime's own); 'net of start' subtracts `python -c pass`.\n"
        "  Rows without 'no bytecode' share one warm .pyc cache. First request: GET /v1/health through app.app\n"
        f"  (one Query) on moto over loopback; the traced one sent {documents} X-Ray documents to a UDP socket."
    )
    say(report.table("4. Cold start: import app vs import boto3", headers, rows, note))
    split = _import_breakdown(chosen)
    return {"runs": results, "breakdown_ms": split, "xray_documents_per_first_request": documents}


def _import_breakdown(chosen: list[Any]) -> dict[str, dict[str, float]]:
    from bench import coldstart as cs
    from bench import report

    by_name = {v.name: v for v in chosen}
    split = {name: cs.breakdown(by_name[name]) for name in (cs.DEPLOYED, cs.LOCAL, cs.BOTO3)}
    deployed = split[cs.DEPLOYED]
    top = sorted(deployed, key=lambda package: -deployed[package])[:10]
    rows: list[tuple[Any, ...]] = [(p, *(split[n].get(p, 0.0) for n in split)) for p in top]
    rows.append(("(everything else)", *(sum(v for k, v in split[n].items() if k not in top) for n in split)))
    rows.append(("total", *(sum(split[n].values()) for n in split)))
    headers = ("package (own import time, ms)", "app as deployed", "app, tracing off", "boto3")
    say(report.table("4b. Where the import time goes (one -X importtime run each, warm .pyc)", headers, rows))
    return split


def cutoffs() -> list[dict[str, Any]]:
    from bench import cutoffs as cut
    from bench import report

    figures = cut.run()
    rows = [
        (
            f["fans"],
            f["distinct_scores"],
            f["histogram_seconds"],
            f["cutoffs_ms"],
            f["traced_peak_kib"],
            f["traced_peak_kib"] * 1024 / f["distinct_scores"],
            f["max_rss_growth_kib"],
            f["stored_histogram_kib"],
            "/".join(str(v) for v in f["cutoffs"].values()),
            "/".join(str(v) for v in f["by_rank"].values()),
        )
        for f in figures
    ]
    headers = ["fans", "distinct", "histogram s", "cut-offs ms", "peak KiB", "B/distinct", "max RSS +KiB"]
    headers += ["stored KiB", "head/active/potential", "fans by rank h/a/p/s"]
    note = (
        f"  synthetic scores, {cut.ZERO_SHARE:.0%} at 0 and a log-normal tail, streamed one at a time into\n"
        "  ScoreHistogram.of; 'cut-offs ms' = rank() on the histogram (entry and exit cut-offs, counts by rank);\n"
        "  peak = tracemalloc peak during a second, traced count of the same stream; max RSS + = ru_maxrss growth\n"
        "  during the untraced count (sizes run in order, so a later size shows only what it adds)."
    )
    say(report.table("5. Tier cut-offs from a streamed histogram (one process)", headers, rows, note))
    return figures


def recalculation() -> list[dict[str, Any]]:
    from bench import recalculation as recalc
    from bench import report

    with quiet():
        figures = recalc.run()
    rows = [
        (
            f["fans"],
            f["floor_fans_per_second"],
            f["read_passes_fans_per_second"],
            f["read_pass_vs_floor"],
            f["read_pass_vs_floor_cpu"],
            f["first_run_seconds"],
            f["changed_fans"],
            f["writes_per_changed_fan"],
            f["fan_writes_second_run"],
            f["worker_peak_rss_kib"] // 1024,
            f["peak_rss_vs_smallest"],
        )
        for f in figures
    ]
    headers = ["fans", "floor fans/s", "job read fans/s", "vs floor", "by CPU", "1st run s", "changed"]
    headers += ["writes/changed"]
    headers += ["writes, 2nd run", "worker peak MiB", "vs smallest"]
    note = (
        "  a moto server per size (serialised, O(page) scans); floor = boto3 scanning the same 4 segments,\n"
        "  100 items a page, before and after the job (mean); 'job read' = the second run of the day\n"
        "  (nothing to change: two read passes, measure then decide) over 2 x fans; writes = fan\n"
        "  TransactWriteItems (the job's own bookkeeping apart); peak RSS of the worker process alone."
    )
    say(report.table("6. recalculate-tiers over seeded fans (worker process, moto server)", headers, rows, note))
    return figures


def meta(args: argparse.Namespace) -> dict[str, Any]:
    def git(*command: str) -> str:
        done = subprocess.run(["git", *command], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    packages = ("moto", "boto3", "botocore", "chalice", "pynamodb", "aws-lambda-powertools", "PyJWT", "msgspec")
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain")),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": {p: metadata.version(p) for p in packages},
        "arguments": {k: v for k, v in vars(args).items()},
    }


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    environment.configure()
    began = time.monotonic()
    results: dict[str, Any] = {"meta": meta(args), "targets": {"ratio": RATIO_TARGET}}
    if "counts" in args.only:
        results["request_counts"] = counts()
    if "latency" in args.only:
        results["latency"] = latency(args.iterations, args.warmup)
    if "throughput" in args.only:
        results["throughput"] = throughput(args.events)
    if "coldstart" in args.only:
        results["cold_start"] = coldstart(args.cold_repeats)
    if "cutoffs" in args.only:
        results["cutoffs"] = cutoffs()
    if "recalculation" in args.only:
        results["recalculation"] = recalculation()
    results["meta"]["seconds"] = round(time.monotonic() - began, 1)
    results["targets_missed"] = misses(results)
    from bench import report

    if results["targets_missed"]:
        say("Targets missed:\n" + "\n".join(f"  - {m}" for m in results["targets_missed"]))
    say(f"wrote {report.write(args.name, results)} in {results['meta']['seconds']} s")


def misses(results: dict[str, Any]) -> list[str]:
    """One line per figure that is over its target, for the summary and the JSON."""
    found = [
        f"requests: {c['group']} / {c['case']} ({c['state']}): {c['requests']} > {c['target']}"
        for c in results.get("request_counts", [])
        if c["meets"] is False
    ]
    for r in results.get("latency", {}).get("routes", []):
        if r["meets_target"] is False:
            found.append(f"latency: {r['route']}: {r['ratio']:.2f}x the floor > {RATIO_TARGET}x")
    t = results.get("throughput")
    if t and not t["meets_target"]:
        found.append(f"throughput: floor/app {t['ratio']:.2f}x > {RATIO_TARGET}x")
    for c in results.get("cold_start", {}).get("runs", []):
        if c["meets_target"] is False:
            found.append(f"cold start: {c['name']}: {c['ratio']:.2f}x {c['baseline']} > {RATIO_TARGET}x")
    return found


if __name__ == "__main__":
    main()
