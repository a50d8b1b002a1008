"""`make run`'s stand-in for the EventBridge schedules, which moto never fires: the hourly jobs tick and the
alert sweep (deployed: every 5 minutes), every N seconds.

Runs as a child of the local stack with its environment (moto's endpoint, the local tables), and
prints what each tick did with each due job. The tick is the deployed one (`jobs.tick`), so a
repeated tick joins the day's run: a short interval only shows the same summary again.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

from chalicelib import clock
from chalicelib.observability import logger
from chalicelib.services import alerting, jobs


def tick_once() -> list[jobs.Ticked]:
    """The jobs tick, then the alert sweep (whose notifications the stack's ops subscriber prints)."""
    logger.set_correlation_id(f"local-tick-{uuid.uuid4().hex[:12]}")
    ticked = jobs.tick(clock.now())
    alerting.sweep(clock.now())
    return ticked


def describe(ticked: jobs.Ticked) -> str:
    error = f" error={ticked.error}" if ticked.error else ""
    return f"[tick] {ticked.job} run {ticked.run_id}: {ticked.status} {json.dumps(ticked.summary)}{error}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Fire the scheduled-jobs tick on a cadence against the local stack.")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between ticks")
    args = parser.parse_args()
    while True:
        try:
            ticked = tick_once()
        except Exception:  # the local DynamoDB went away or refused: say so, and tick again later
            logger.exception("local tick failed")
        else:
            for line in map(describe, ticked):
                print(line, flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
