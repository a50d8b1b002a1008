"""Outgoing events in tests: their documented schemas, a check on every PutEvents entry, and the streams drained.

`check_every_put` is registered by conftest on every botocore session before any client exists,
so every event any test makes the app publish is validated against docs/events/<type>.schema.json;
an autouse fixture fails the test that published an invalid one.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from chalicelib.domain.outgoing_events import DETAIL_TYPES, SOURCE

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "events"
violations: list[str] = []  # what check_every_put found since the current test began


@cache
def validator(detail_type: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{detail_type}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(detail_type: str, detail: Any) -> list[str]:
    """Why `detail` does not match its type's documented schema (empty when it does)."""
    if detail_type not in DETAIL_TYPES:
        return [f"unknown detail type {detail_type!r}"]
    return [f"{detail_type}: {error.message}" for error in validator(detail_type).iter_errors(detail)]


def check_every_put(params: dict[str, Any], **_: Any) -> None:
    """A botocore `provide-client-params.events.PutEvents` handler: every entry the app puts, checked."""
    for entry in params.get("Entries", []):
        if entry.get("Source") != SOURCE:
            violations.append(f"source {entry.get('Source')!r}")
        violations.extend(problems(entry.get("DetailType", ""), json.loads(entry.get("Detail", "null"))))
