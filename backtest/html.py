"""`python -m backtest.html REPORT.json OUT.html`: render a saved backtest report as one self-contained page."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from backtest import codec, page
from backtest.fields import ReportError
from backtest.report import Report


def write(report: Report, path: Path) -> None:
    """The page for `report` at `path` (folders created): what the simulator calls after writing the JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page.render(report), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backtest.html", description=__doc__)
    parser.add_argument("report", type=Path, help="the backtest's JSON report")
    parser.add_argument("out", type=Path, help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        report = codec.read(args.report)
    except (OSError, UnicodeDecodeError, ReportError) as error:
        print(f"{args.report}: not a backtest report: {error}", file=sys.stderr)
        return 2
    write(report, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
