"""Incident injection: each scenario incident adds its pattern to a day's traffic, or takes activity away.

Injectors are asked one community day at a time (`day`), after the baseline of that day, so they see
the content catalogue as it is; `kept` is how a KPI drop or a churn spike removes baseline actions.
The patterns are documented in docs/backtest.md ("Incident injections").
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from backtest.actions import Action, EngagementKind
from backtest.scenario import IncidentSpec, RewardSpec
from backtest.traffic import RECENT_ITEMS, Traffic

LEGAL_REASONS = ("copyright infringement", "DMCA takedown notice", "privacy complaint (GDPR)", "defamation")
SURGE_REASONS = ("hate speech", "graphic violence", "spam wave", "harassment")
CAPPED_KINDS: tuple[EngagementKind, ...] = ("liked", "commented", "shared", "viewed")
POINTS = {"liked": 1, "commented": 3, "shared": 5, "viewed": 1}
BAD_SECRET = "whsec_" + "QmFja3Rlc3Qtd3Jvbmctc2VjcmV0LTMyLWJ5dGVzISE="
CHECKIN_POINTS = 10  # the default check-in award, for a farm's estimate of what it has earned
SCRIPT_PACE = timedelta(seconds=2)  # a farming script's actions follow each other this closely
SCRIPT_STAGGER = timedelta(seconds=7)  # the accounts of one farm start this far apart


def spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` instants evenly over [start, end)."""
    step = (end - start) / max(count, 1)
    return [start + step * n for n in range(count)]


def overlap(start: datetime, end: datetime, day_start: datetime, day_end: datetime) -> tuple[datetime, datetime] | None:
    low, high = max(start, day_start), min(end, day_end)
    return (low, high) if low < high else None


class Injector:
    """One incident's actions, day by day; `kept` says whether a baseline action survives it."""

    def __init__(self, incident: IncidentSpec, traffic: Traffic, caps: Mapping[str, int], rng: random.Random) -> None:
        self.incident, self.traffic, self.caps, self.rng = incident, traffic, caps, rng
        self.accounts = self._accounts()
        self.stops: dict[str, datetime] | None = None  # churn_spike's leavers, chosen at its start
        self.redeemed = False
        self.earned: dict[str, int] = {}

    def kept(self, rng: random.Random, action: Action) -> bool:
        incident = self.incident
        if incident.kind == "kpi_drop" and incident.start <= action.at < incident.end and action.kind != "link":
            return rng.random() >= incident.size
        if incident.kind != "churn_spike" or action.at < incident.start:
            return True
        if self.stops is None:
            self.stops = self._stops()
        stop = self.stops.get(action.fan)
        return stop is None or action.at < stop

    def day(self, day_start: datetime, day_end: datetime) -> list[Action]:
        part = overlap(self.incident.start, self.incident.end, day_start, day_end)
        if part is None:
            return []
        kind = self.incident.kind
        if kind == "points_farming":
            return self._farming(*part)
        if kind == "checkin_ring":
            return self._ring(*part)
        if kind == "redemption_farming":
            return self._redemption_farming(*part)
        if kind == "stock_runout":
            return self._stock_runout(*part)
        if kind in ("flagged_content_surge", "compliance_flag"):
            return self._flags(*part)
        if kind == "webhook_signature_failures":
            return self._bad_signatures(*part)
        return []  # churn_spike and kpi_drop only take activity away (`kept`)

    def _count_in(self, low: datetime, high: datetime) -> int:
        """The share of `size` that falls in [low, high), so that the whole window adds up to `size`."""
        total = (self.incident.end - self.incident.start).total_seconds()
        before = (low - self.incident.start).total_seconds()
        upto = (high - self.incident.start).total_seconds()
        return round(self.incident.size * upto / total) - round(self.incident.size * before / total)

    def _accounts(self) -> list[tuple[str, str]]:
        """(fan id, account) of the incident's actors: existing fans, or new accounts made for it."""
        kind, size, tag = self.incident.kind, int(self.incident.size), self.incident.incident_id
        if kind in ("checkin_ring", "redemption_farming"):
            return [(f"{kind[:4]}-{tag}-{n:04d}", f"x-{tag}-{n:04d}") for n in range(size)]
        if kind == "points_farming":
            present = [f for f in self.traffic.fans if f.joins_day == 0 and f.leaves_at is None]
            chosen = self.rng.sample(present, min(size, len(present)))
            return [(f.fan_id, f.account) for f in chosen]
        return []

    def _stops(self) -> dict[str, datetime]:
        """churn_spike: the `size` share of the fans present at its start who acted most recently stop for good,
        at instants spread over its window. A controversy or a rival's launch takes the fans who are there;
        fans who rarely act were idle anyway, and their leaving would move no churn count. Chosen when the
        first action at or after the start is judged, from the days generated before it."""
        start = self.incident.start
        present = [f for f in self.traffic.fans if f.leaves_at is None or f.leaves_at > start]
        seen = self.traffic.last_seen
        recent = sorted(
            (f for f in present if f.fan_id in seen), key=lambda f: (seen[f.fan_id], f.fan_id), reverse=True
        )
        leaving = recent[: round(len(present) * self.incident.size)]
        self.rng.shuffle(leaving)
        instants = spread(start, self.incident.end, len(leaving))
        return {fan.fan_id: at for fan, at in zip(leaving, instants, strict=True)}

    def _action(self, at: datetime, **fields: object) -> Action:
        return Action(at=at, source=self.incident.incident_id, **fields)  # type: ignore[arg-type]

    def _capped_day(self, fan: str, account: str, start: datetime, short_of_cap: int = 0) -> list[Action]:
        """A farming script's day: link, check in, then each capped kind to its cap (less `short_of_cap`), one action
        every SCRIPT_PACE, each like on another recent item (a second like of one item earns nothing)."""
        actions = [
            self._action(start, kind="link", fan=fan, account=account),
            self._action(start + timedelta(seconds=1), kind="checkin", fan=fan),
        ]
        items = list(reversed(self.traffic.items[-RECENT_ITEMS:]))
        at, earned = start + 2 * SCRIPT_PACE, CHECKIN_POINTS
        for kind in CAPPED_KINDS:
            for n in range(max(self.caps.get(kind, 0) - short_of_cap, 0)):
                completion = 1.0 if kind == "viewed" else None
                actions.append(
                    self._action(
                        at,
                        kind="engage",
                        fan=fan,
                        account=account,
                        content=items[n % len(items)],
                        engagement=kind,
                        completion=completion,
                    )
                )
                at += SCRIPT_PACE
                earned += POINTS[kind]
        self.earned[fan] = self.earned.get(fan, 0) + earned
        return actions

    def _farming(self, low: datetime, high: datetime) -> list[Action]:
        """Existing fans' accounts run by a script: every cap within minutes of the window's start, then of each
        midnight (when the caps reset), the accounts a few seconds apart."""
        starts = [low + SCRIPT_STAGGER * n for n in range(len(self.accounts))]
        return [
            a
            for (fan, account), at in zip(self.accounts, starts, strict=True)
            if at < high
            for a in self._capped_day(fan, account, at)
        ]

    def _ring(self, low: datetime, high: datetime) -> list[Action]:
        """New accounts checking in within seconds of each other, at the same time each day, and nothing else."""
        offset = (low - self.incident.start) // timedelta(days=1) * timedelta(days=1)
        at = self.incident.start + offset
        if not low <= at < high:
            return []
        return [
            self._action(at + timedelta(seconds=n % 90), kind="checkin", fan=fan)
            for n, (fan, _) in enumerate(self.accounts)
        ]

    def _redemption_farming(self, low: datetime, high: datetime) -> list[Action]:
        """New accounts run by a script, each day one short of every cap (so no farming-rule hit), that all redeem
        the same scarce reward as soon as the points they gathered afford it."""
        if self.redeemed:
            return []
        reward = self._reward(scarce=True)
        actions: list[Action] = []
        for n, (fan, account) in enumerate(self.accounts):
            day = self._capped_day(fan, account, low + SCRIPT_STAGGER * n, short_of_cap=1)
            actions += day
            if self.earned[fan] >= reward.cost:
                actions.append(self._action(day[-1].at + SCRIPT_PACE, kind="redeem", fan=fan, reward=reward.reward_id))
                self.redeemed = True
        return actions

    def _stock_runout(self, low: datetime, high: datetime) -> list[Action]:
        """A campaign: fans who acted lately credited the reward's cost at its start, then redeeming at an even
        rate. Chosen at the start from the days generated before it, so they are known fans, not new accounts."""
        reward = self._reward(scarce=False)
        actions = []
        if low == self.incident.start:
            seen = self.traffic.last_seen
            known = sorted(f.fan_id for f in self.traffic.fans if f.fan_id in seen and seen[f.fan_id] < low)
            self.accounts = [(fan, "") for fan in self.rng.sample(known, min(int(self.incident.size), len(known)))]
            actions += [self._action(low, kind="adjust", fan=fan, points=reward.cost) for fan, _ in self.accounts]
        if not self.accounts:
            return []
        first = self._redeemed_before(low)
        count = self._count_in(low, high)
        for n, at in enumerate(spread(low + timedelta(seconds=30), high, count)):
            fan = self.accounts[(first + n) % len(self.accounts)][0]
            actions.append(self._action(at, kind="redeem", fan=fan, reward=reward.reward_id))
        return actions

    def _redeemed_before(self, low: datetime) -> int:
        return self._count_in(self.incident.start, low) if low > self.incident.start else 0

    def _reward(self, scarce: bool) -> RewardSpec:
        rewards = self.traffic.spec.rewards
        named = [r for r in rewards if r.reward_id == self.incident.reward_id]
        if named:
            return named[0]
        return min(rewards, key=lambda r: (r.stock, r.cost)) if scarce else max(rewards, key=lambda r: r.stock)

    def _flags(self, low: datetime, high: datetime) -> list[Action]:
        legal = self.incident.kind == "compliance_flag"
        reasons, severity = (LEGAL_REASONS, "high") if legal else (SURGE_REASONS, "medium")
        return [
            self._action(
                at, kind="flag", content=self.traffic.recent_item(), reason=self.rng.choice(reasons), severity=severity
            )
            for at in spread(low, high, self._count_in(low, high))
        ]

    def _bad_signatures(self, low: datetime, high: datetime) -> list[Action]:
        fans = self.traffic.fans
        return [
            self._action(at, kind="bad_signature", account=self.rng.choice(fans).account, content="forged")
            for at in spread(low, high, self._count_in(low, high))
        ]
