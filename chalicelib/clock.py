"""The one source of "now", so that tests can move time across days and zones."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
