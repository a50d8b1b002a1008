"""Plain-text tables for the terminal, and the JSON results file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> str:
    """Columns sized to their content; numbers right-aligned, text left-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [title, "=" * len(title), line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    if note:
        out.append(note)
    return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "-" if value is None else str(value)


def write(name: str, results: dict[str, Any]) -> Path:
    """bench/results/<name>.json, written whole or not at all."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(_rounded(results), indent=2, default=str) + "\n")
    os.replace(partial, path)
    return path


def _rounded(value: Any) -> Any:
    """Four decimals are plenty for milliseconds and ratios, and keep the file readable in a diff."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
