"""`make run`'s stand-in for the stream event source mappings: the stream handlers fed every N seconds.

Runs as a child of the local stack with its environment (moto's endpoint). Each pass feeds new
stream records to the app's own stream handlers (tools/stream_pump.py) and prints every event that
reached the bus, read back from a queue the bus's rule fills (tools/local_bus.py):

    [event] TierChanged fan-alice silent->potential (id 1f0c...)

A second rule copies every event to the queue `<prefix>-events-local`, left for you to read.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from chalice.test import Client

import app as application
from chalicelib.observability import logger
from tools import local_bus
from tools.stream_pump import StreamPump, sources

SUMMARIES = {
    "TierChanged": "{from}->{to}",
    "TierDowngradeWarning": "{tier}->{to} on {on}",
    "LifecycleStageChanged": "{from}->{to}",
    "PointsExpiring": "{points} points of {month} expire after {expires_on}",
    "PointsExpired": "{points} points of {month} expired",
    "RedemptionConfirmed": "{reward_id} x{quantity} for {points_spent} points",
}


def describe(event: dict[str, Any]) -> str:
    detail, kind = event["detail"], event["detail-type"]
    return f"[event] {kind} {detail['fan_id']} {SUMMARIES[kind].format(**detail)} (id {detail['event_id']})"


def main() -> None:
    parser = argparse.ArgumentParser(description="Feed the local tables' streams to the app's stream handlers.")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between passes")
    args = parser.parse_args()
    queue, _ = local_bus.create(*local_bus.QUEUES)
    with Client(application.app, stage_name="local") as client:
        pump = StreamPump(lambda name, event: client.lambda_.invoke(name, event).payload, sources(application.app))
        reported = 0
        while True:
            try:
                pump.pump()
                events = local_bus.receive(queue)
            except Exception:  # the local moto went away or refused: say so, and try again later
                logger.exception("local stream pass failed")
            else:
                for event in events:
                    print(describe(event), flush=True)
                for arn, seq in pump.given_up[reported:]:
                    print(f"[stream] gave up on record {seq} of {arn} (deployed: the failure queue)", flush=True)
                reported = len(pump.given_up)
            time.sleep(args.every)


if __name__ == "__main__":
    main()
