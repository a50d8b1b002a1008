"""Bringing up `make run`'s stack (serialised moto + the local API server) for the e2e tests, on loopback only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tools import devtokens

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(port: int, moto_port: int) -> subprocess.Popen[bytes]:
    own = ("AWS_", "DEV_JWT", "JWT_", "JWKS_", "TABLE_", "WEBHOOK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return subprocess.Popen(
        [sys.executable, "-m", "tools.local_stack", "--quiet", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        try:
            if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("local stack did not become healthy")


def stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output.decode()


@contextlib.contextmanager
def running() -> Iterator[str]:
    """A fresh stack on free loopback ports; yields its base URL and stops everything afterwards."""
    port, moto_port = free_port(), free_port()
    process = start(port, moto_port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)


def bearer(fan: str, admin: bool = False) -> str:
    """A token the stack accepts (signed with the development key in `.local/`)."""
    return devtokens.mint(fan, admin, directory=ROOT / ".local")


def auth(fan: str, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer(fan, admin)}"}
