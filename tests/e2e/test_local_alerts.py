"""Alerts on `make run`'s stack: `make alarm` raises and clears a technical alert; the ops subscriber prints both."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from tools.stack_process import ROOT, auth, free_port, start, stop, wait_healthy

pytestmark = pytest.mark.e2e


def make_alarm(moto_port: int, state: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tools.local_alarm", "Api5xxAlarm", state, "--moto-port", str(moto_port)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_make_alarm_notifications_print_on_the_stacks_terminal():
    port, moto_port = free_port(), free_port()
    process = start(port, moto_port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        raised = make_alarm(moto_port, "ALARM")
        assert raised.returncode == 0, raised.stdout + raised.stderr
        alerts = requests.get(f"{url}/v1/admin/alerts", headers=auth("ops", admin=True), timeout=10).json()["items"]
        assert [(a["category"], a["status"], a["level"]) for a in alerts] == [("technical", "open", "activate")]
        cleared = make_alarm(moto_port, "OK")
        assert cleared.returncode == 0, cleared.stdout + cleared.stderr
        time.sleep(2)  # the subscriber polls every half second
    finally:
        output = stop(process)
    printed = [line for line in output.splitlines() if line.startswith("[ops] ACTIVATE")]
    assert len(printed) == 2, output[-5000:]
    assert "raised (open) API answering 5XX errors" in printed[0] and "resolved (resolved)" in printed[1]
    assert all("runbook: docs/operations.md#api5xxalarm-the-api-answers-5xx" in line for line in printed)
