"""Build the deployable SAM template: `python -m tools.package_template OUTDIR` writes OUTDIR/sam.json.

Chalice generates the functions, roles and API; `infra/resources.json` adds what it does not
declare (tables, gateway responses, log groups, alarms) through `--merge-template`. Chalice's
merge is a plain deep merge, so a key there that extends a Chalice resource which no longer
exists would silently become a resource without a type: this module refuses such output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MERGE_TEMPLATE = Path("infra") / "resources.json"
STAGE = "dev"
# Chalice needs a region to build the package, but its SAM output refers to ${AWS::Region};
# any region gives the same template, and no credentials are needed.
FALLBACK_REGION = "us-east-1"
TIMEOUT_SECONDS = 1800


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
    broken = untyped_resources(json.loads(sam.read_text()))
    if broken:
        raise PackagingError(
            f"{MERGE_TEMPLATE} extends resources that Chalice did not generate: {', '.join(broken)}; "
            "update their logical ids to match Chalice's output"
        )
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
