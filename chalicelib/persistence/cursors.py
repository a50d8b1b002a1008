"""Opaque pagination cursors: the position a listing stopped at, named by the listing it belongs to.

A cursor is refused (InvalidCursor) unless this service issued it for the same listing; each
listing then checks the position's format before it reaches DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_CURSOR = 512


class InvalidCursor(ValueError):
    """A pagination cursor that this service did not issue for this listing."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursor: str | None


def prefix(listing: str, owner: str) -> str:
    """Cursors name their listing and owner (a fan, a filter), so one's cursor is refused for another's listing."""
    return f"{listing}:{hashlib.sha256(owner.encode()).hexdigest()[:16]}:"


def encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode(cursor: str, expected_prefix: str) -> str:
    """The position in `cursor`, which must have been issued under `expected_prefix`."""
    if len(cursor) > MAX_CURSOR:
        raise InvalidCursor(cursor[:16])
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    if not value.startswith(expected_prefix):
        raise InvalidCursor(cursor)
    return value[len(expected_prefix) :]
