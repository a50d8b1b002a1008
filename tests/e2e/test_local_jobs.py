"""Scheduled jobs on `make run`'s stack: `make job`'s tool runs one now, and the stack's ticker fires the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib.domain.days import local_day
from chalicelib.domain.jobs import due_day, scheduled_run_id
from chalicelib.services import points_expiry
from tools.run_job import run_job
from tools.stack_process import ROOT, auth, running

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[str]:
    with running() as url:
        yield url


def make_job(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    port = str(urlsplit(url).port)
    command = [sys.executable, "-m", "tools.run_job", *args, "--port", port]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_make_job_runs_a_job_now_and_prints_its_run(stack):
    key = uuid.uuid4().hex
    done = make_job(stack, "expire-points", "--key", key)
    assert done.returncode == 0, done.stdout + done.stderr
    run = json.loads(done.stdout)
    assert (run["job"], run["status"], run["trigger"]) == ("expire-points", "succeeded", "operator")
    assert run["run_id"].startswith("manual-") and run["segments_done"] == run["segments"]
    assert run["summary"]["fans"] >= 2  # the seeded demo fans were scanned
    replayed = make_job(stack, "expire-points", "--key", key)
    assert replayed.returncode == 0 and json.loads(replayed.stdout)["run_id"] == run["run_id"]  # same key, same run


def test_make_job_reports_an_unknown_job_and_fails(stack):
    done = make_job(stack, "no-such-job")
    assert done.returncode == 1 and json.loads(done.stdout)["code"] == "job_not_found"
    assert run_job(stack, "no-such-job", "k")[0] == 404


def test_the_local_stack_fires_the_schedule_on_its_cadence():
    """No EventBridge locally: the stack's ticker runs the deployed tick, so today's run appears by itself."""
    zone = os.environ["COMMUNITY_TIME_ZONE"]  # the stack runs in the tests' community zone
    with running(tick_seconds=1) as url:
        day = due_day(datetime.now(UTC), zone, points_expiry.JOB.hour)
        if day is None:  # 00:00-01:00 community time: nothing is due, and no tick may start a run
            time.sleep(3)
            today = scheduled_run_id(local_day(datetime.now(UTC), zone))
            path = f"{url}/v1/admin/jobs/expire-points/runs/{today}"
            assert requests.get(path, headers=auth("ops", admin=True), timeout=10).status_code == 404
            return
        path = f"{url}/v1/admin/jobs/expire-points/runs/{scheduled_run_id(day)}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            response = requests.get(path, headers=auth("ops", admin=True), timeout=10)
            if response.status_code == 200 and response.json()["status"] == "succeeded":
                break
            time.sleep(0.5)
        assert response.status_code == 200, response.text
        run = response.json()
        assert (run["status"], run["trigger"]) == ("succeeded", "schedule")
