"""`make alarm ALARM=<name> [STATE=ALARM|OK]`: a CloudWatch alarm's state change on the local stack.

moto's CloudWatch never evaluates alarms and its EventBridge never delivers their state changes,
so this sends the event EventBridge would to the `alarm_state_changed` function (through
chalice's local Lambda invoker, middleware included), against the running stack's moto. The ops
subscriber of `make run` then prints the notification.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools import devtokens, devwebhooks
from tools.local_stack import stack_env

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "fan-engagement-local-"


def event(alarm: str, state: str, now: datetime, region: str) -> dict[str, Any]:
    """An EventBridge "CloudWatch Alarm State Change" event for the stage's alarm named `alarm`."""
    name = alarm if alarm.startswith(PREFIX) else PREFIX + alarm
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:cloudwatch:{region}:123456789012:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": f"make alarm: set to {state} by hand",
                "timestamp": now.isoformat(timespec="milliseconds"),
            },
            "previousState": {"value": "OK" if state == "ALARM" else "ALARM"},
        },
    }


def invoke(alarm: str, state: str, moto_port: int) -> dict[str, Any]:
    """Run the deployed handler on this event against the local stack; what it did."""
    _, public = devtokens.ensure_keys(ROOT / ".local")
    os.environ.update(stack_env(moto_port, public, devwebhooks.ensure_secrets(ROOT / ".local")))
    from chalice.test import Client

    import app as application

    with Client(application.app, stage_name="local", project_dir=str(ROOT)) as client:
        sent = event(alarm, state, datetime.now(UTC), os.environ["AWS_REGION"])
        result: dict[str, Any] = client.lambda_.invoke("alarm_state_changed", sent).payload
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Send a CloudWatch alarm state change to the local stack.")
    parser.add_argument("alarm", help="the alarm's logical name, e.g. Api5xxAlarm")
    parser.add_argument("state", nargs="?", default="ALARM", choices=["ALARM", "OK"])
    parser.add_argument("--moto-port", type=int, default=5005)
    args = parser.parse_args()
    print(json.dumps(invoke(args.alarm, args.state, args.moto_port), indent=2))


if __name__ == "__main__":
    main()
