"""`make run`: serialised moto on loopback, tables and demo data, chalice's local gateway (tools/local_server.py),
the scheduled-jobs tick and alert sweep every `--tick-seconds` (tools/local_ticker.py; moto never fires
EventBridge rules), the stream handlers fed every `--stream-seconds`, printing each outgoing event
(tools/local_streams.py; moto runs no event source mappings), and an ops subscriber printing every alert
notification (tools/local_ops.py).

Ctrl-C (or SIGTERM) stops everything this started; nothing outlives it, so it can run again.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NoReturn

from tools import devtokens, devwebhooks

ROOT = Path(__file__).resolve().parent.parent
LOCAL_TOPIC = "arn:aws:sns:us-east-1:123456789012:fan-engagement-local-alerts"  # moto's default account


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def stack_env(moto_port: int, keys: Path, webhook_secrets: dict[str, list[str]]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "TABLE_PREFIX": "local",
            "DEV_JWT_PUBLIC_KEY": str(keys),
            "JWT_ISSUER": devtokens.ISSUER,
            "WEBHOOK_SECRETS": json.dumps(webhook_secrets),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "fan-engagement",
            "POWERTOOLS_METRICS_NAMESPACE": "FanEngagementLocal",
            "PYTHONPATH": str(ROOT),
            "ALERTS_TOPIC_ARN": LOCAL_TOPIC,
        }
    )
    env.setdefault("COMMUNITY_TIME_ZONE", "UTC")
    return env


def run(host: str, port: int, moto_port: int, quiet: bool, tick_seconds: float, stream_seconds: float) -> int:
    for p in (port, moto_port):
        if not _port_free(host, p):
            print(f"Port {p} on {host} is in use: stop what holds it or pass --port/--moto-port.", file=sys.stderr)
            return 2
    _, public = devtokens.ensure_keys(ROOT / ".local")
    env = stack_env(moto_port, public, devwebhooks.ensure_secrets(ROOT / ".local"))
    out = subprocess.DEVNULL if quiet else None
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> NoReturn:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        moto = subprocess.Popen(
            [sys.executable, "-m", "tools.serialised_moto", "--port", str(moto_port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        children.append(moto)
        _wait_for(f"http://127.0.0.1:{moto_port}/moto-api/", moto)
        subprocess.run([sys.executable, "-m", "tools.seed"], cwd=ROOT, env=env, check=True, stdout=out)
        subprocess.run([sys.executable, "-m", "tools.local_bus"], cwd=ROOT, env=env, check=True, stdout=out)
        subprocess.run([sys.executable, "-m", "tools.local_ops", "--setup"], cwd=ROOT, env=env, check=True, stdout=out)
        ops = subprocess.Popen(  # notifications are what the stack is for: printed even with --quiet
            [sys.executable, "-m", "tools.local_ops"], cwd=ROOT, env=env, stderr=out, start_new_session=True
        )
        children.append(ops)
        chalice = subprocess.Popen(
            [sys.executable, "-m", "tools.local_server", "--host", host, "--port", str(port), "--stage", "local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        children.append(chalice)
        _wait_for(f"http://{host}:{port}/v1/health", chalice)
        _banner(host, port, tick_seconds, moto_port)
        helpers = [("tools.local_ticker", tick_seconds), ("tools.local_streams", stream_seconds)]
        for module, every in helpers:
            if every > 0:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-m", module, "--every", str(every)],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=out,
                        start_new_session=True,
                    )
                )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A component of the local stack exited; stopping.", file=sys.stderr)
        stop()
    except KeyboardInterrupt:
        stop()
    return 0


def _banner(host: str, port: int, tick_seconds: float, moto_port: int) -> None:
    url = f"http://{host}:{port}"
    fan = devtokens.mint("fan-alice", directory=ROOT / ".local")
    admin = devtokens.mint("ops-1", admin=True, directory=ROOT / ".local")
    ticks = (
        f"the hourly tick and the alert sweep fire every {tick_seconds:g} s here ([tick] lines; TICK_SECONDS=0: off)"
        if tick_seconds > 0
        else "the tick is off (TICK_SECONDS=0)"
    )
    print(
        f"""
Fan engagement API running at {url}  (Ctrl-C stops everything)

Demo fan token (fan-alice):
  {fan}
Operator token (ops-1, admin):
  {admin}

Try:
  curl -s -X POST {url}/v1/checkins -H "Authorization: Bearer {fan}"
  curl -s -X POST {url}/v1/redemptions -H "Authorization: Bearer {fan}" \\
       -H "Content-Type: application/json" -H "Idempotency-Key: $(date +%s)" \\
       -d '{{"reward_id": "sticker-pack", "quantity": 1}}'

Webhooks (signed with the local secret in .local/):
  make webhook TYPE=account.linked      links tiktok user tt-alice to fan-alice
  make webhook TYPE=engagement.liked    earns fan-alice points; samples in events/webhooks/

Scheduled jobs: {ticks}
  make job JOB=expire-points            runs one now through POST /v1/admin/jobs/{{job}} and prints the run

Outgoing events: printed as [event] lines; every event is also kept in the local queue local-events-local:
  aws --endpoint-url http://127.0.0.1:{moto_port} sqs receive-message --max-number-of-messages 10 \\
      --queue-url http://127.0.0.1:{moto_port}/123456789012/local-events-local
Alerts: every notification published to the alerts topic prints here as an [ops] line
  make alarm ALARM=Api5xxAlarm          a CloudWatch alarm goes to ALARM (STATE=OK clears it)
  curl -s {url}/v1/admin/alerts -H "Authorization: Bearer {admin}"

More tokens: make token FAN=<fan id> [ADMIN=1]
""",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local stack.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--moto-port", type=int, default=5005)
    parser.add_argument("--quiet", action="store_true", help="hide the servers' own logs")
    parser.add_argument(
        "--tick-seconds", type=float, default=60, help="seconds between scheduled-job ticks (deployed: 3600); 0: off"
    )
    parser.add_argument("--stream-seconds", type=float, default=1, help="seconds between stream passes; 0: off")
    args = parser.parse_args()
    raise SystemExit(run(args.host, args.port, args.moto_port, args.quiet, args.tick_seconds, args.stream_seconds))


if __name__ == "__main__":
    main()
