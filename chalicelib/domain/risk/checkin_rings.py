"""Check-in rings: bursts of new accounts checking in together and doing nothing else.

A script that farms sign-up and streak points creates accounts and checks them all in at once,
day after day; people sign up and check in spread over the day, and go on to like, comment or
watch. A burst is `min_accounts` or more new, check-in-only accounts whose check-ins fall within
`lockstep_window` of each other; bursts are taken densest first, each check-in in at most one.
An account found in bursts on several days is a ring repeating itself, which raises the level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.alerts.evidence import top
from chalicelib.domain.alerts.model import Category, Observation
from chalicelib.domain.risk.levels import Ladder, Timing, highest

RULE = "checkin_rings"
CATEGORY: Category = "user"
RUNBOOK = "operations.md#check-in-rings"
SCOPE = "community"
BURSTS_SHOWN = 5


class NewAccount(Protocol):
    """A recently first-seen fan, its check-ins in the look-back, and how many other actions it took
    there (other core actions and completed views). The newcomers' records (`fan_signals.Newcomer`)
    are read as they are: a scan judges thousands of them every 5 minutes."""

    @property
    def fan_id(self) -> str: ...

    @property
    def first_seen_at(self) -> datetime: ...

    @property
    def checkins(self) -> Collection[datetime]: ...

    @property
    def other_actions(self) -> int: ...


@dataclass(frozen=True)
class CheckinRingInput:
    now: datetime
    accounts: Sequence[NewAccount]


@dataclass(frozen=True)
class CheckinRingConfig:
    new_account_age: timedelta = timedelta(days=7)
    lockstep_window: timedelta = timedelta(seconds=60)
    min_accounts: int = 8
    max_other_actions: int = 0
    sizes: Ladder = field(default_factory=lambda: Ladder(warning=8, activate=15, escalate=50))  # ring accounts
    days: Ladder = field(default_factory=lambda: Ladder(warning=1, activate=2, escalate=3))  # bursts per account
    timing: Timing = field(default_factory=lambda: Timing(clear_after=timedelta(hours=6)))

    def __post_init__(self) -> None:
        if self.min_accounts < 2 or self.lockstep_window <= timedelta(0):
            raise ValueError("a burst is at least 2 accounts within a positive window")


def evaluate(signal: CheckinRingInput, config: CheckinRingConfig) -> list[Observation]:
    suspects = [
        account
        for account in signal.accounts
        if signal.now - account.first_seen_at <= config.new_account_age
        and account.other_actions <= config.max_other_actions
    ]
    events = sorted((at, account.fan_id) for account in suspects for at in account.checkins)
    bursts = _bursts(events, config.lockstep_window, config.min_accounts)
    per_account = Counter(fan_id for burst in bursts for _, fan_id in burst)
    ring, repeats = len(per_account), max(per_account.values(), default=0)
    level = highest(config.sizes.level(ring), config.days.level(repeats)) if bursts else None
    shown = sorted(bursts, key=lambda burst: (-len(burst), burst[0][0]))[:BURSTS_SHOWN]
    evidence: dict[str, Any] = {
        "new_check_in_only_accounts": len(suspects),
        "ring_accounts": ring,
        "most_days_in_lockstep": repeats,
        "bursts": [_shown(burst) for burst in shown],
        "burst_count": len(bursts),
    }
    summary = (
        f"{ring} new accounts checked in together in {len(bursts)} bursts and did nothing else"
        f" (up to {repeats} days in lockstep)."
        if bursts
        else "No burst of new accounts checking in together."
    )
    return [
        Observation(
            RULE, CATEGORY, SCOPE, level, title="Check-in ring", summary=summary, evidence=evidence, runbook=RUNBOOK
        )
    ]


def _bursts(
    events: list[tuple[datetime, str]], window: timedelta, min_accounts: int
) -> list[list[tuple[datetime, str]]]:
    """Densest windows first: each burst's check-ins are taken out before looking for the next."""
    remaining, found = events, list[list[tuple[datetime, str]]]()
    while True:
        start, end, accounts = _densest(remaining, window)
        if accounts < min_accounts:
            return found
        found.append(remaining[start:end])
        remaining = remaining[:start] + remaining[end:]


def _densest(events: list[tuple[datetime, str]], window: timedelta) -> tuple[int, int, int]:
    """The slice of sorted `events` spanning at most `window` with the most distinct accounts, and that number."""
    best, first, inside = (0, 0, 0), 0, Counter[str]()
    for last, (at, fan_id) in enumerate(events):
        inside[fan_id] += 1
        while at - events[first][0] > window:
            leaving = events[first][1]
            inside[leaving] -= 1
            if not inside[leaving]:
                del inside[leaving]
            first += 1
        if len(inside) > best[2]:
            best = (first, last + 1, len(inside))
    return best


def _shown(burst: list[tuple[datetime, str]]) -> dict[str, Any]:
    fans = sorted({fan_id for _, fan_id in burst})
    return {"from": burst[0][0].isoformat(), "to": burst[-1][0].isoformat(), "fans": top(fans)}
