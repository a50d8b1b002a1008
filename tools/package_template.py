"""Build the deployable SAM template: `python -m tools.package_template OUTDIR` writes OUTDIR/sam.json.

Chalice generates the functions, roles and API; `infra/resources.json` adds what it does not
declare (tables, queues, gateway responses, log groups, alarms) through `--merge-template`. Chalice's
merge is a plain deep merge, so a key there that extends a Chalice resource which no longer
exists would silently become a resource without a type: this module refuses such output.

Chalice's `deployment.zip` carries no bytecode, and Lambda's /var/task is read-only, so every
cold start would compile every module it imports from source (about 3x the import time here,
docs/benchmarks.md). This module adds a `__pycache__/*.pyc` beside each `.py`, compiled by this
interpreter, which must be the minor version of the functions' runtime (`.pyc` files carry
it), as unchecked-hash pycs: the bundle is immutable and its timestamps are all 1980, so Python
loads them without comparing them with the source.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MERGE_TEMPLATE = Path("infra") / "resources.json"
STAGE = "dev"
# Chalice needs a region to build the package, but its SAM output refers to ${AWS::Region};
# any region gives the same template, and no credentials are needed.
FALLBACK_REGION = "us-east-1"
TIMEOUT_SECONDS = 1800
BUNDLE = "deployment.zip"
PYC_MODE = 0o100644 << 16  # a regular file, rw-r--r--, as Chalice writes the others


class PackagingError(Exception):
    """The template could not be built; the message says what to fix."""


def chalice_executable() -> Path:
    """The `chalice` installed beside this interpreter, so a venv's copy wins over one on PATH."""
    candidate = Path(sys.executable).parent / "chalice"
    if not candidate.exists():
        raise PackagingError(f"chalice not found at {candidate}; install requirements-dev.txt into this environment")
    return candidate


def package_command(outdir: Path) -> list[str]:
    return [
        str(chalice_executable()),
        "package",
        "--stage",
        STAGE,
        "--merge-template",
        str(MERGE_TEMPLATE),
        str(outdir),
    ]


def untyped_resources(template: dict[str, object]) -> list[str]:
    """Logical ids that the merge created without a `Type`: targets of infra/ that Chalice no longer emits."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return ["<Resources missing>"]
    return sorted(name for name, body in resources.items() if not isinstance(body, dict) or "Type" not in body)


def untyped_events(template: dict[str, Any]) -> list[str]:
    """`function.event` names of function events the merge created without a `Type`: events Chalice renamed."""
    resources = template.get("Resources", {})
    return sorted(
        f"{name}.{event}"
        for name, body in resources.items()
        if isinstance(body, dict)
        for event, spec in (body.get("Properties", {}).get("Events") or {}).items()
        if not isinstance(spec, dict) or "Type" not in spec
    )


def runtimes(template: dict[str, Any]) -> set[str]:
    """The `Runtime` of every function in the template."""
    resources = template.get("Resources", {})
    return {
        body["Properties"]["Runtime"]
        for body in resources.values()
        if isinstance(body, dict) and "Runtime" in body.get("Properties", {})
    }


@dataclass(frozen=True)
class Bytecode:
    compiled: int
    skipped: list[str]
    size_before: int
    size_after: int


def add_bytecode(bundle: Path, runtime: str) -> Bytecode:
    """Rewrite the bundle with an unchecked-hash `.pyc` for each `.py` (entries and their order kept)."""
    interpreter = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != interpreter:
        raise PackagingError(f"the functions run {runtime} but this is {interpreter}: its .pyc files would not load")
    size_before = bundle.stat().st_size
    skipped: list[str] = []
    compiled = 0
    rewritten = bundle.with_suffix(".tmp")
    with (
        tempfile.TemporaryDirectory(prefix="bundle-") as scratch,
        zipfile.ZipFile(bundle) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            target.writestr(entry, data)
            if not entry.filename.endswith(".py") or ".dist-info/" in entry.filename:
                continue
            pyc = _compile(entry.filename, data, Path(scratch))
            if pyc is None:
                skipped.append(entry.filename)
                continue
            info = zipfile.ZipInfo(importlib.util.cache_from_source(entry.filename), entry.date_time)
            info.external_attr = PYC_MODE
            target.writestr(info, pyc, zipfile.ZIP_DEFLATED)
            compiled += 1
    rewritten.replace(bundle)
    return Bytecode(compiled, skipped, size_before, bundle.stat().st_size)


def _compile(name: str, source: bytes, scratch: Path) -> bytes | None:
    """The `.pyc` bytes for one module, or None if this Python cannot compile it (it could not import it either)."""
    path = scratch / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source)
    target = path.with_suffix(".pyc")
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    try:
        py_compile.compile(str(path), str(target), dfile=name, doraise=True, invalidation_mode=mode)
    except py_compile.PyCompileError:
        return None
    return target.read_bytes()


def build(outdir: Path) -> Path:
    """Run `chalice package` from the project root and check the merged template it wrote."""
    outdir = outdir.resolve()
    env = dict(os.environ)
    if not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        env["AWS_DEFAULT_REGION"] = FALLBACK_REGION
    command = package_command(outdir)
    try:
        result = subprocess.run(command, cwd=ROOT, env=env, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PackagingError(f"chalice package did not finish in {TIMEOUT_SECONDS} s (downloading wheels?)") from exc
    if result.returncode != 0:
        raise PackagingError(f"chalice package failed with exit status {result.returncode}: {' '.join(command)}")
    sam = outdir / "sam.json"
    if not sam.is_file():
        raise PackagingError(f"chalice package succeeded but wrote no {sam}")
    template = json.loads(sam.read_text())
    broken = untyped_resources(template) + untyped_events(template)
    if broken:
        raise PackagingError(
            f"{MERGE_TEMPLATE} extends resources or events that Chalice did not generate: {', '.join(broken)}; "
            "update their logical ids to match Chalice's output"
        )
    found = runtimes(template)
    if len(found) != 1:
        raise PackagingError(f"expected one Python runtime for all functions, found {sorted(found) or 'none'}")
    bytecode = add_bytecode(outdir / BUNDLE, found.pop())
    sizes = f"{bytecode.size_before / 1e6:.1f} MB -> {bytecode.size_after / 1e6:.1f} MB"
    skipped = f"; not compilable: {', '.join(bytecode.skipped)}" if bytecode.skipped else ""
    print(f"package_template: {BUNDLE}: {bytecode.compiled} .pyc added, {sizes}{skipped}", file=sys.stderr)
    return sam


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir", type=Path, help="directory for sam.json and deployment.zip")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        sam = build(args.outdir)
    except PackagingError as exc:
        print(f"package_template: {exc}", file=sys.stderr)
        return 1
    print(f"package_template: wrote {sam} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
