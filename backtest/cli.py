"""`make simulate SCENARIO=<file>`: run a scenario, print the summary, write the JSON and HTML reports.

Writes `<out>/<scenario>.json` (backtest.codec), `<out>/<scenario>.html`, `<out>/<scenario>.run.json`
(wall time, requests sent, DynamoDB requests per stream record) and `<out>/<scenario>.log` (the app's
own output: its structured logs and EMF metric lines). Exit status 2: the scenario was refused.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import asdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay a backtest scenario through the app on a simulated clock.")
    parser.add_argument("scenario", type=Path, help="scenario file (events/scenarios/*.json)")
    parser.add_argument("--out", type=Path, default=Path("build/backtest"), help="folder for the reports")
    args = parser.parse_args(argv)

    from backtest.environment import configure

    configure()
    from backtest import codec, html, scenario, simulate, summary

    try:
        spec = scenario.load(args.scenario)
    except scenario.ScenarioError as error:
        print(f"scenario refused: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"{spec.name}.log"
    with log.open("w", encoding="utf-8") as app_output, contextlib.redirect_stdout(app_output):
        report, measures = simulate.run(spec, lambda line: print(line, file=sys.stderr, flush=True))
    (args.out / f"{spec.name}.json").write_text(codec.to_json(report), encoding="utf-8")
    html.write(report, args.out / f"{spec.name}.html")
    run = {**asdict(measures), "requests_per_stream_record": measures.requests_per_stream_record}
    (args.out / f"{spec.name}.run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    print("\n".join(summary.lines(report, measures)))
    print(f"\nreports: {args.out / spec.name}.json, .html, .run.json, .log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
