"""Checks on path, query and field values that a body schema cannot express."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

import msgspec

from chalicelib.api.errors import ValidationFailed
from chalicelib.api.routing import Call
from chalicelib.api.schemas import Instant, JobRequest
from chalicelib.api.webhook_auth import secrets_for
from chalicelib.domain import days, identifiers
from chalicelib.domain.errors import UnknownPlatform
from chalicelib.domain.kpis.snapshot import RECOMPUTE_HORIZON_DAYS, recomputable
from chalicelib.domain.rewards import Reward
from chalicelib.persistence.cursors import InvalidCursor, Page
from chalicelib.settings import get_settings

T = TypeVar("T")
C = TypeVar("C", bound=str)
DEFAULT_PAGE, MAX_PAGE = 20, 100
_PAGE_SIZE = re.compile(r"[0-9]{1,3}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_KPI_DAYS = 366
DAY_JOBS = frozenset({"kpi-snapshot"})  # the jobs whose operator runs may name a community day


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


def validated_id(value: str, field: str) -> str:
    """One of our own ids (reward, redemption, fan): the safe set of domain/identifiers.py."""
    if not identifiers.is_own_id(value):
        raise _invalid(field, identifiers.OWN_ID_RULE)
    return value


def validated_fan_id(value: str) -> str:
    return validated_id(value, "fan_id")


def validated_platform_id(value: str, field: str) -> str:
    """An id a platform chose (content, platform user)."""
    if not identifiers.is_platform_id(value):
        raise _invalid(field, identifiers.PLATFORM_ID_RULE)
    return value


def known_platform(name: str) -> str:
    """A platform with webhook secrets configured; any other name is a 404, as on the webhook route."""
    if not secrets_for(validated_id(name, "platform"), get_settings()):
        raise UnknownPlatform(f"No platform {name!r} is configured.")
    return name


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
    if not _PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:  # ASCII digits: '²'.isdigit() is True
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


def listing_page(call: Call, read: Callable[[int, str | None], Page[T]]) -> Page[T]:
    """Run a paginated operator listing, turning a forged cursor (or one from another filter) into a 400."""
    limit = page_limit(call.query("limit"))
    try:
        return read(limit, call.query("cursor"))
    except InvalidCursor:
        raise _invalid("cursor", "not a cursor this listing issued") from None


def instant_param(call: Call, name: str) -> datetime | None:
    """An optional RFC 3339 query parameter with an offset, within 1970-9999."""
    raw = call.query(name)
    if raw is None:
        return None
    try:
        moment: datetime = msgspec.json.decode(json.dumps(raw), type=Instant)
    except msgspec.ValidationError:
        raise _invalid(name, "an RFC 3339 date-time with offset, e.g. 2026-11-22T04:00:00Z") from None
    if days.out_of_range(**{name: moment}) is not None:
        raise _invalid(name, "between 1970 and 9999 in UTC")
    return moment


def choice_param(call: Call, name: str, allowed: tuple[C, ...]) -> C | None:
    raw = call.query(name)
    if raw is None:
        return None
    if raw not in allowed:
        raise _invalid(name, f"one of {', '.join(allowed)}")
    return allowed[allowed.index(raw)]


def future_instant(value: datetime, now: datetime, field: str, within: timedelta) -> datetime:
    if not now < value <= now + within:
        raise _invalid(field, f"must be in the future and at most {within.days} days ahead")
    return value


def day_param(call: Call, name: str) -> date:
    """A required community day, `YYYY-MM-DD` exactly (`date.fromisoformat` would also take `20260101`)."""
    raw = call.query(name)
    if raw is None:
        raise _invalid(name, "required: a day YYYY-MM-DD")
    try:
        if not _DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _invalid(name, "a day YYYY-MM-DD") from None


def day_range(call: Call) -> tuple[date, date]:
    """`from` … `to`, both included: in order and at most MAX_KPI_DAYS days."""
    first, last = day_param(call, "from"), day_param(call, "to")
    if first > last:
        raise _invalid("to", "must not be before from")
    if (last - first).days >= MAX_KPI_DAYS:
        raise _invalid("to", f"at most {MAX_KPI_DAYS} days from from")
    return first, last


def job_params(job: str, request: JobRequest, now: datetime) -> dict[str, str]:
    """An operator's `day`: only for a job that takes one, a community day over and within the recompute horizon."""
    if isinstance(request.day, msgspec.UnsetType):
        return {}
    if job not in DAY_JOBS:
        raise _invalid("day", f"only {', '.join(sorted(DAY_JOBS))} takes a day")
    today = days.local_day(now, get_settings().community_time_zone)
    if not recomputable(request.day, today):
        raise _invalid("day", f"a community day before today, at most {RECOMPUTE_HORIZON_DAYS} days back")
    return {"day": request.day.isoformat()}
