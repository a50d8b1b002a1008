"""`make job JOB=<job>`: run one scheduled job now on the local stack, as an operator would, and print its run.

`POST /v1/admin/jobs/{job}` with a development admin token and an Idempotency-Key (a fresh one unless
--key repeats one, which replays the first answer), then `GET` the run it names.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tools import devtokens

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".local"
OPERATOR = "ops-make-job"


def _call(url: str, method: str, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def run_job(base_url: str, job: str, key: str, directory: Path = DEFAULT_DIR) -> tuple[int, Any]:
    """Start the job (worked to its end by the local stack) and return (status, the run or the problem)."""
    auth = {"Authorization": f"Bearer {devtokens.mint(OPERATOR, admin=True, directory=directory)}"}
    status, started = _call(f"{base_url}/v1/admin/jobs/{job}", "POST", {**auth, "Idempotency-Key": key})
    if status != 202:
        return status, started
    return _call(f"{base_url}/v1/admin/jobs/{job}/runs/{started['run_id']}", "GET", auth)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a scheduled job now on the local stack and print its run.")
    parser.add_argument("job", help="e.g. expire-points")
    parser.add_argument("--key", help="Idempotency-Key (repeat one to see the replay); random by default")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    base_url = f"http://{args.host}:{args.port}"
    try:
        status, body = run_job(base_url, args.job, args.key or uuid.uuid4().hex)
    except urllib.error.URLError as error:
        where = f"{args.host}:{args.port}"
        raise SystemExit(f"Could not reach the local stack on {where} ({error.reason}); run `make run`.") from None
    print(json.dumps(body, indent=2))
    sys.exit(0 if status == 200 and isinstance(body, dict) and body.get("status") == "succeeded" else 1)


if __name__ == "__main__":
    main()
