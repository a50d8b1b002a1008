"""A serialised moto server on loopback with the app's tables, for benchmarks that run the app in other processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_PID = "BENCH_MOTO_SERVER_PID"


def cpu_seconds() -> float:
    """CPU time used so far by this process and the moto server it talks to (Linux `/proc`).

    On a shared machine wall time drifts with other load; the CPU a phase costs the client and the
    server together barely does, so ratios of it compare two phases of one run fairly.
    """
    fields = Path(f"/proc/{os.environ[SERVER_PID]}/stat").read_text().rsplit(")", 1)[1].split()
    server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return time.process_time() + server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"moto server exited with status {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not listen on port {port} within {seconds} s")


@contextmanager
def running(env: dict[str, str], *options: str) -> Iterator[dict[str, str]]:
    """The server, with the tables created; yields `env` pointed at it. `options` go to tools/serialised_moto."""
    port = _free_port()
    served = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    command = [sys.executable, "-m", "tools.serialised_moto", "--port", str(port), *options]
    server = subprocess.Popen(command, cwd=ROOT, env=served, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served[SERVER_PID] = str(server.pid)
    try:
        _wait_for(port, server)
        create = "from chalicelib.persistence import tables; tables.create_all()"
        subprocess.run([sys.executable, "-c", create], cwd=ROOT, env=served, check=True)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=10)


def environment() -> dict[str, str]:
    """This process's environment without its endpoint overrides (the server's address replaces them)."""
    return {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
