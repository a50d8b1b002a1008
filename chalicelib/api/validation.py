"""Checks on path, query and field values that a body schema cannot express."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from chalicelib.api.errors import ValidationFailed
from chalicelib.api.routing import Call
from chalicelib.domain import days
from chalicelib.domain.rewards import Reward
from chalicelib.persistence.reads import InvalidCursor, Page

T = TypeVar("T")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_FAN_ID = re.compile(r"^[!-~]{1,128}$")
DEFAULT_PAGE, MAX_PAGE = 20, 100


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


def validated_id(value: str, field: str) -> str:
    if not _ID.match(value):
        raise _invalid(field, "1-64 characters: letters, digits, '_', '.', ':' or '-'")
    return value


def validated_fan_id(value: str) -> str:
    """Fan ids are token subjects (Cognito: a UUID); anything else cannot name a fan."""
    if not _FAN_ID.match(value):
        raise _invalid("fan_id", "1-128 printable characters")
    return value


def validated_zone(name: str) -> str:
    if not days.is_time_zone(name):
        raise _invalid("time_zone", f"{name!r} is not an IANA time zone such as 'Europe/Berlin'")
    return name


def validated_window(reward: Reward) -> None:
    if reward.available_from and reward.available_until and reward.available_until <= reward.available_from:
        raise _invalid("available_until", "must be after available_from")


def nonzero(delta: int) -> None:
    if delta == 0:
        raise _invalid("delta", "must not be zero")


def page_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise _invalid("limit", f"an integer from 1 to {MAX_PAGE}")
    return int(raw)


def reads_page(call: Call, read: Callable[[str, int, str | None], Page[T]]) -> Page[T]:
    """Run a paginated read for the calling fan, turning a foreign or forged cursor into a 400."""
    limit = page_limit(call.query("limit"))
    cursor = call.query("cursor")
    try:
        return read(call.principal.subject, limit, cursor)
    except InvalidCursor:
        raise _invalid("cursor", "not a cursor this listing issued") from None
