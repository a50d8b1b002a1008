"""Cold start: `import app` against `import boto3`, each in a fresh interpreter with the same environment.

Bytecode is controlled explicitly, since it decides much of an import's cost: the compared rows
share one bytecode cache (PYTHONPYCACHEPREFIX, filled by an untimed first run), and two extra rows
compile everything from source, as Python must when the code ships without .pyc files to a
read-only filesystem (Lambda's /var/task).
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, BOTO3, BOTO3_SOURCE = "python -c pass (interpreter start)", "import boto3", "import boto3 (no bytecode)"
DEPLOYED, LOCAL = "import app (Lambda env, tracing on, as deployed)", "import app (POWERTOOLS_TRACE_DISABLED=true)"


@dataclass(frozen=True)
class Variant:
    name: str
    code: str
    env: dict[str, str]
    baseline: str | None = None  # the row its ratio is taken against
    judged: bool = False  # held to the target
    from_source: bool = False  # fewer repeats: each run compiles everything


@dataclass(frozen=True)
class ImportTime:
    name: str
    median_ms: float
    min_ms: float
    max_ms: float
    repeats: int
    baseline: str | None
    judged: bool


def _directory(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def variants() -> list[Variant]:
    """The bench environment (already configured), and a Lambda-like one where tracing is on as deployed."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPYCACHEPREFIX"] = _directory("bench-pycache-")
    local = {**base, "POWERTOOLS_TRACE_DISABLED": "true"}
    deployed = {k: v for k, v in base.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    deployed["AWS_LAMBDA_FUNCTION_NAME"] = "fan-engagement-dev"
    source = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": _directory("bench-no-pycache-")}
    return [
        Variant(START, "pass", local),
        Variant(BOTO3, "import boto3", local),
        Variant(DEPLOYED, "import app", deployed, BOTO3, judged=True),
        Variant(LOCAL, "import app", local, BOTO3, judged=True),
        Variant(BOTO3_SOURCE, "import boto3", {**local, **source}, from_source=True),
        Variant(f"{DEPLOYED[:-1]}, no bytecode)", "import app", {**deployed, **source}, BOTO3_SOURCE, from_source=True),
    ]


def _run(variant: Variant) -> int:
    start = time.perf_counter_ns()
    subprocess.run([sys.executable, "-c", variant.code], cwd=ROOT, env=variant.env, check=True)
    return time.perf_counter_ns() - start


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
