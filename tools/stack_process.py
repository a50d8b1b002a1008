"""`make run`'s stack as a child process on free loopback ports, for the e2e tests and the load bench."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tools import devtokens

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / ".local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(port: int, moto_port: int, tick_seconds: float = 0) -> subprocess.Popen[bytes]:
    """The stack with this process's AWS, JWT and webhook settings left out (it brings its own).

    The scheduled-jobs tick is off unless `tick_seconds` is given, so that no job run races what a test drives.
    """
    own = ("AWS_", "DEV_JWT", "JWT_", "JWKS_", "TABLE_", "WEBHOOK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    ports = ["--port", str(port), "--moto-port", str(moto_port)]
    return subprocess.Popen(
        [sys.executable, "-m", "tools.local_stack", "--quiet", *ports, "--tick-seconds", str(tick_seconds)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"{url}/v1/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the local stack at {url} did not become healthy within {seconds}s")


def stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output.decode()


@contextlib.contextmanager
def running(tick_seconds: float = 0) -> Iterator[str]:
    """A fresh stack; yields its base URL and stops everything it started afterwards."""
    port, moto_port = free_port(), free_port()
    process = start(port, moto_port, tick_seconds)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)


def bearer(fan: str, admin: bool = False) -> str:
    """A token the stack accepts (signed with the development key in `.local/`)."""
    return devtokens.mint(fan, admin, directory=KEYS)


def auth(fan: str, admin: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer(fan, admin)}"}
