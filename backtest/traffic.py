"""Baseline traffic: a seeded community of fans and creators acting on a daily and weekly rhythm.

Each community day is generated on its own (`Traffic.day`), so memory stays flat over long runs.
The model is documented in docs/backtest.md; its knobs are the constants below and in `rhythm`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from backtest import rhythm
from backtest.actions import Action, EngagementKind
from backtest.scenario import ScenarioSpec

PRESENT_AT_START = 0.7  # the rest of the community joins evenly over the period
CREATOR_SHARE = 0.01
PUBLISH_CHANCE = 0.35  # per creator and day
SEED_ITEMS = 30
RECENT_ITEMS = 60  # fans engage with the newest items, recent ones most
DAILY_CHURN_HAZARD = 0.003
REDEEM_CHANCE = 0.03  # per active fan-day with enough points
FLAGS_PER_DAY = 0.3  # benign platform flags (spam, off-topic) at low severity
BENIGN_REASONS = ("spam", "off-topic", "misleading thumbnail", "harassment report", "duplicate upload")
ESTIMATED_POINTS = {"checkin": 10, "liked": 1, "commented": 3, "shared": 5, "viewed": 1}

Kept = Callable[[random.Random, Action], bool]
"""Whether an incident lets a baseline action happen (a KPI drop or a churn spike removes some)."""


@dataclass(frozen=True)
class FanProfile:
    fan_id: str
    account: str
    propensity: float
    creator: bool
    joins_day: int
    leaves_at: datetime | None


def population(spec: ScenarioSpec, rng: random.Random) -> list[FanProfile]:
    first, last = spec.period()
    fans = []
    for n in range(spec.fans):
        joins = 0 if rng.random() < PRESENT_AT_START else rng.randrange(spec.days)
        leaves = first + timedelta(days=joins + rng.expovariate(DAILY_CHURN_HAZARD))
        fans.append(
            FanProfile(
                fan_id=f"fan-{n:06d}",
                account=f"acct-{n:06d}",
                propensity=rhythm.propensity(rng),
                creator=rng.random() < CREATOR_SHARE,
                joins_day=joins,
                leaves_at=leaves if leaves < last else None,
            )
        )
    return fans


class Traffic:
    """The community's state across days: who has linked an account, the content catalogue, points estimates."""

    def __init__(self, spec: ScenarioSpec, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        self.fans = population(spec, rng)
        self.creators = [f for f in self.fans if f.creator and f.joins_day == 0] or self.fans[:1]
        self.items: list[str] = []
        self.linked: set[str] = set()
        self.points: dict[str, int] = {}
        self.last_seen: dict[str, datetime] = {}  # each fan's latest action sent, as of the days generated so far

    def day(self, index: int, kept: Kept) -> list[Action]:
        """Every baseline action of community day `index`, in time order, minus what incidents removed."""
        midnight = datetime.combine(self.spec.start + timedelta(days=index), time(), self.spec.zone)
        actions: list[Action] = []
        if index == 0:
            actions += self._seed_items(midnight)
        actions += self._publishing(midnight)
        for fan in self.fans:
            if fan.joins_day > index or (fan.leaves_at is not None and fan.leaves_at <= midnight):
                continue
            if rhythm.active_today(self.rng, fan.propensity, midnight.weekday()):
                actions += self._fan_day(fan, midnight)
        actions += self._flags(midnight)
        sent = sorted((a for a in actions if kept(self.rng, a)), key=lambda a: a.at)
        self.last_seen.update((a.fan, a.at) for a in sent if a.fan)
        return sent

    def recent_item(self) -> str:
        """A recent item, newer ones likelier (the feed's recency bias)."""
        recent = self.items[-RECENT_ITEMS:]
        return recent[len(recent) - 1 - int(len(recent) * self.rng.random() ** 2)]

    def _instant(self, midnight: datetime) -> datetime:
        local = midnight + timedelta(hours=rhythm.hour(self.rng), seconds=self.rng.randrange(3600))
        return local.astimezone(midnight.tzinfo)

    def _link(self, fan: FanProfile, at: datetime) -> list[Action]:
        if fan.fan_id in self.linked:
            return []
        self.linked.add(fan.fan_id)
        return [Action(at - timedelta(seconds=30), "link", fan=fan.fan_id, account=fan.account)]

    def _seed_items(self, midnight: datetime) -> list[Action]:
        actions = []
        for n in range(SEED_ITEMS):
            creator = self.creators[n % len(self.creators)]
            at = midnight + timedelta(seconds=60 + n)
            actions += self._link(creator, at)
            actions.append(self._publish(creator, at, f"seed-{n:03d}"))
        return actions

    def _publishing(self, midnight: datetime) -> list[Action]:
        actions = []
        for n, creator in enumerate(self.creators):
            if self.rng.random() < PUBLISH_CHANCE:
                at = self._instant(midnight)
                actions += self._link(creator, at)
                actions.append(self._publish(creator, at, f"c{midnight:%Y%m%d}-{n:04d}"))
        return actions

    def _publish(self, creator: FanProfile, at: datetime, content: str) -> Action:
        self.items.append(content)
        return Action(at, "publish", fan=creator.fan_id, account=creator.account, content=content)

    def _fan_day(self, fan: FanProfile, midnight: datetime) -> list[Action]:
        sessions = 1 + int(self.rng.random() < fan.propensity) + int(self.rng.random() < fan.propensity / 2)
        starts = sorted(self._instant(midnight) for _ in range(sessions))
        actions = self._link(fan, starts[0])
        if self.rng.random() < 0.8:
            actions.append(Action(starts[0], "checkin", fan=fan.fan_id))
            self._earn(fan.fan_id, "checkin")
        for at in starts:
            actions += self._session(fan, at)
        return actions

    def _session(self, fan: FanProfile, at: datetime) -> list[Action]:
        kinds: list[EngagementKind] = []
        if self.rng.random() < 0.6:
            kinds.append("viewed")
        kinds += ["liked"] * sum(self.rng.random() < 0.4 for _ in range(2))
        commented: list[EngagementKind] = ["commented"] * int(self.rng.random() < 0.15)
        kinds += commented + ["shared"] * int(self.rng.random() < 0.05)
        actions = []
        for step, kind in enumerate(kinds):
            completion = round(self.rng.betavariate(2.0, 1.3), 3) if kind == "viewed" else None
            when = at + timedelta(seconds=20 * (step + 1))
            actions.append(
                Action(when, "engage", fan.fan_id, fan.account, self.recent_item(), kind, completion=completion)
            )
            if completion is None or completion >= 0.5:
                self._earn(fan.fan_id, kind)
        redemption = self._redemption(fan, at + timedelta(seconds=20 * (len(kinds) + 1)))
        return actions + ([redemption] if redemption else [])

    def _redemption(self, fan: FanProfile, at: datetime) -> Action | None:
        if not self.spec.rewards or self.rng.random() >= REDEEM_CHANCE:
            return None
        reward = self.rng.choices(self.spec.rewards, weights=[1 / r.cost for r in self.spec.rewards])[0]
        if self.points.get(fan.fan_id, 0) < reward.cost:
            return None
        self.points[fan.fan_id] -= reward.cost
        return Action(at, "redeem", fan=fan.fan_id, reward=reward.reward_id)

    def _earn(self, fan_id: str, kind: str) -> None:
        self.points[fan_id] = self.points.get(fan_id, 0) + ESTIMATED_POINTS[kind]

    def _flags(self, midnight: datetime) -> list[Action]:
        count = poisson(self.rng, FLAGS_PER_DAY)
        reasons = BENIGN_REASONS
        return [
            Action(self._instant(midnight), "flag", content=self.recent_item(), reason=self.rng.choice(reasons))
            for _ in range(count)
        ]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count
