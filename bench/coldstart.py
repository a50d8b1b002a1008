"""Cold start: `import app` against `import boto3`, each in a fresh interpreter with the same environment.

Each run is timed from spawning the interpreter until its code has run; the interpreter's teardown
is left out, since Lambda never pays it on the request path (see `_run`).

Two modes of the app: as deployed (Lambda's environment with tracing on: `AWS_LAMBDA_FUNCTION_NAME`,
`LAMBDA_TASK_ROOT`, a sampled `_X_AMZN_TRACE_ID` and `AWS_XRAY_DAEMON_ADDRESS`), and with tracing
off (`POWERTOOLS_TRACE_DISABLED=true`). Each is timed for the import alone and for the import
plus the first request (`GET /v1/health`, one DynamoDB `Query`) handled through the Lambda entry
point, against `import boto3` plus the same `Query` from a new boto3 client: work deferred from
import to the first request shows up in the second pair. Requests go to a moto server on
loopback; X-Ray documents go to a UDP socket on loopback, which counts them.

Bytecode is controlled explicitly, since it decides much of an import's cost: the compared rows
share one bytecode cache (PYTHONPYCACHEPREFIX, filled by an untimed first run), and two extra rows
compile everything from source, as Python must when the code ships without `.pyc` files to a
read-only filesystem (Lambda's /var/task). Two more rows import the app from the bundle that
`tools.package_template` builds (extracted, with `PYTHONDONTWRITEBYTECODE` for the read-only
filesystem): once as built, with the `.pyc` files it adds, once with them removed, as Chalice
alone packages it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import moto_server

ROOT = Path(__file__).resolve().parent.parent
START, BOTO3, BOTO3_SOURCE = "python -c pass (interpreter start)", "import boto3", "import boto3 (no bytecode)"
DEPLOYED, LOCAL = "import app (Lambda env, tracing on, as deployed)", "import app (POWERTOOLS_TRACE_DISABLED=true)"
FIRST_BOTO3 = "import boto3 + client + first Query"
FIRST_DEPLOYED = "import app + first request GET /v1/health (as deployed)"
FIRST_LOCAL = "import app + first request (tracing off)"
FIRST_SDK = "import app + Powertools Tracer (X-Ray SDK) + first request (reference)"
BOTO3_PAUSED = "import boto3, collector paused as app.py pauses it (reference)"
BUNDLED = "import app from deployment.zip (as deployed, .pyc shipped)"
BUNDLED_SOURCE = "import app from deployment.zip without its .pyc (as deployed)"
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

APP_REQUEST = (
    "from bench.lambda_event import Context, health_event; "
    "assert app.app(health_event(), Context())['statusCode'] == 200"
)
BOTO3_REQUEST = (
    "import os, boto3; from bench.lambda_event import health_query; "
    "boto3.client('dynamodb').query(**health_query(os.environ['TABLE_PREFIX']))"
)
# What patching lazily at the first invocation would cost: the X-Ray SDK imported and patched then.
SDK_THEN_REQUEST = f"import app; from aws_lambda_powertools import Tracer; Tracer(); {APP_REQUEST}"


@dataclass(frozen=True)
class Variant:
    name: str
    code: str
    env: dict[str, str]
    baseline: str | None = None  # the row its ratio is taken against
    judged: bool = False  # held to the target
    from_source: bool = False  # fewer repeats: each run compiles everything
    cwd: Path = ROOT  # where `import app` finds the app


@dataclass(frozen=True)
class ImportTime:
    name: str
    median_ms: float
    min_ms: float
    max_ms: float
    repeats: int
    baseline: str | None
    judged: bool


@dataclass(frozen=True)
class Services:
    """A moto server (with the app's tables) and an X-Ray daemon socket, both on loopback."""

    endpoint: str
    daemon: socket.socket

    @property
    def daemon_address(self) -> str:
        host, port = self.daemon.getsockname()
        return f"{host}:{port}"

    def documents_received(self) -> int:
        count = 0
        while True:
            try:
                self.daemon.recv(65536)
            except BlockingIOError:
                return count
            count += 1


def _directory(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@contextmanager
def local_services() -> Iterator[Services]:
    """Start moto on loopback, create the app's tables there, and bind a UDP socket for X-Ray documents."""
    with moto_server.running(dict(os.environ)) as env, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.setblocking(False)
        yield Services(env["AWS_ENDPOINT_URL"], daemon)


def extracted_bundle() -> tuple[Path, Path] | None:
    """The deployment bundle built now, extracted twice: as built, and without its `.pyc` files (None: no bundle)."""
    from tools import package_template

    outdir = Path(_directory("bench-bundle-"))
    try:
        package_template.build(outdir)
    except package_template.PackagingError as exc:
        print(f"  cold start: no bundle rows ({exc})", flush=True)
        return None
    with_bytecode, without = outdir / "with-pyc", outdir / "without-pyc"
    with zipfile.ZipFile(outdir / package_template.BUNDLE) as bundle:
        bundle.extractall(with_bytecode)
        bundle.extractall(without, [name for name in bundle.namelist() if not name.endswith(".pyc")])
    return with_bytecode, without


def variants(services: Services, bundle: tuple[Path, Path] | None) -> list[Variant]:
    """The bench environment (already configured), and a Lambda-like one where tracing is on as deployed."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPYCACHEPREFIX"] = _directory("bench-pycache-")
    base["AWS_ENDPOINT_URL"] = services.endpoint
    local = {**base, "POWERTOOLS_TRACE_DISABLED": "true"}
    deployed = {k: v for k, v in base.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    deployed.update(
        AWS_LAMBDA_FUNCTION_NAME="fan-engagement-dev",
        LAMBDA_TASK_ROOT=str(ROOT),
        _X_AMZN_TRACE_ID=TRACE_ID,
        AWS_XRAY_DAEMON_ADDRESS=services.daemon_address,
    )
    source = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": _directory("bench-no-pycache-")}
    return [
        Variant(START, "pass", local),
        Variant(BOTO3, "import boto3", local),
        Variant(BOTO3_PAUSED, "import gc; gc.disable(); import boto3; gc.freeze(); gc.enable()", local),
        Variant(DEPLOYED, "import app", deployed, BOTO3, judged=True),
        Variant(LOCAL, "import app", local, BOTO3, judged=True),
        Variant(FIRST_BOTO3, BOTO3_REQUEST, local),
        Variant(FIRST_DEPLOYED, f"import app; {APP_REQUEST}", deployed, FIRST_BOTO3),
        Variant(FIRST_LOCAL, f"import app; {APP_REQUEST}", local, FIRST_BOTO3),
        Variant(FIRST_SDK, SDK_THEN_REQUEST, deployed, FIRST_BOTO3),
        Variant(BOTO3_SOURCE, "import boto3", {**local, **source}, from_source=True),
        Variant(f"{DEPLOYED[:-1]}, no bytecode)", "import app", {**deployed, **source}, BOTO3_SOURCE, from_source=True),
        *_bundled(deployed, bundle),
    ]


def _bundled(deployed: dict[str, str], bundle: tuple[Path, Path] | None) -> list[Variant]:
    if bundle is None:
        return []
    env = {k: v for k, v in deployed.items() if k != "PYTHONPYCACHEPREFIX"}
    env.update(PYTHONDONTWRITEBYTECODE="1", LAMBDA_TASK_ROOT=str(bundle[0]))
    code = "import app; assert app.__file__.startswith({!r})"
    return [
        Variant(BUNDLED, code.format(str(bundle[0])), env, BOTO3, cwd=bundle[0]),
        Variant(BUNDLED_SOURCE, code.format(str(bundle[1])), env, BOTO3, from_source=True, cwd=bundle[1]),
    ]


def _run(variant: Variant) -> int:
    """Nanoseconds from spawning the interpreter until its code has run, without the interpreter's teardown.

    Lambda never tears the interpreter down on the request path, and teardown depends on the heap
    (the exit-time collection skips frozen objects), so the child reports when its code ended on the
    system-wide monotonic clock (CLOCK_MONOTONIC on Linux, as `time.monotonic_ns` in both processes).
    """
    command = [sys.executable, "-c", f"{variant.code}\nimport time\nprint(time.monotonic_ns())"]
    start = time.monotonic_ns()
    done = subprocess.run(command, cwd=variant.cwd, env=variant.env, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"{variant.name} failed:\n{done.stderr.decode()}")
    return int(done.stdout.split()[-1]) - start


def import_times(chosen: list[Variant], repeats: int) -> list[ImportTime]:
    """Round-robin over the variants so that machine noise spreads evenly; one untimed run fills the cache."""
    samples: dict[str, list[int]] = {v.name: [] for v in chosen}
    for variant in chosen:
        _run(variant)
    for round_number in range(repeats):
        for variant in chosen:
            if not variant.from_source or round_number % 3 == 0:
                samples[variant.name].append(_run(variant))
    return [ImportTime(v.name, *_summary(samples[v.name]), len(samples[v.name]), v.baseline, v.judged) for v in chosen]


def _summary(ns: list[int]) -> tuple[float, float, float]:
    return statistics.median(ns) / 1e6, min(ns) / 1e6, max(ns) / 1e6


def breakdown(variant: Variant) -> dict[str, float]:
    """Import ms per top-level package (the sum of its modules' own time), from one `-X importtime` run."""
    command = [sys.executable, "-X", "importtime", "-c", variant.code]
    done = subprocess.run(command, cwd=ROOT, env=variant.env, check=True, capture_output=True, text=True)
    per_package: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[0].isdigit():
            package = parts[2].split(".")[0]
            per_package[package] = per_package.get(package, 0) + int(parts[0]) / 1000
    return per_package


def documents_per_run(variant: Variant, services: Services) -> int:
    """X-Ray documents one run of a traced variant sends (proof that tracing worked, not a timing)."""
    services.documents_received()
    _run(variant)
    return services.documents_received()
