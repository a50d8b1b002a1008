"""Random earn/spend/refund/expire sequences across months and zones, checked against a FIFO model of lots.

The model knows nothing of buckets or `consumed`: it keeps each month's unspent points and takes
spending from the oldest. Expiry must take exactly what the model has left of each due month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import days, expiry
from chalicelib.domain import fan as fans

START = datetime(2026, 1, 30, 21, 45, tzinfo=timezone.utc)  # near a month end in every zone below
ZONES = ("UTC", "Asia/Shanghai", "Europe/Berlin", "America/St_Johns")

ops = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 24 * 40)),
        st.tuples(st.just("earn"), st.integers(1, 100)),
        st.tuples(st.just("spend"), st.integers(1, 150)),
        st.tuples(st.just("refund"), st.integers(1, 100)),
        st.tuples(st.just("expire"), st.just(0)),
    ),
    min_size=10,
    max_size=80,
)


@dataclass
class World:
    zone: str
    months: int
    now: datetime = START
    fan: fans.Fan = field(default_factory=lambda: fans.Fan("f"))
    entries: list[fans.LedgerEntry] = field(default_factory=list)
    lots: dict[str, int] = field(default_factory=dict)  # the model: unspent points per month
    earned: int = 0
    spent: int = 0
    refundable: int = 0
    expired: int = 0

    def apply(self, change: fans.FanChange) -> None:
        assert change.previous_version == self.fan.version
        assert change.fan.version == self.fan.version + max(1, len(change.entries))
        self.entries.extend(change.entries)
        self.fan = change.fan

    def earn(self, points: int, kind: fans.LedgerKind = "checkin") -> None:
        month = days.month_key(days.local_day(self.now, self.zone))
        self.lots[month] = self.lots.get(month, 0) + points
        self.earned += points
        self.apply(fans.credit(self.fan, points, kind, "x", self.now, self.zone, lifetime=kind != "refund"))

    def spend(self, points: int) -> None:
        if points > self.fan.balance:
            return
        left = points
        for month in sorted(self.lots):
            taken = min(left, self.lots[month])
            self.lots[month] -= taken
            left -= taken
        self.spent += points
        self.refundable += points
        self.apply(fans.debit(self.fan, points, "redemption", "r", self.now))

    def refund(self, points: int) -> None:
        points = min(points, self.refundable)
        if points:
            self.refundable -= points
            self.earn(points, "refund")

    def expire(self) -> None:
        today = days.local_day(self.now, self.zone)
        ends = {month: days.day_start(days.add_months(month, self.months + 1), self.zone) for month in self.lots}
        due = {month: left for month, left in self.lots.items() if ends[month] <= self.now}
        change = expiry.expire(self.fan, today, self.months, self.zone, self.now)
        assert (change is None) == (not due)
        if change is None:
            return
        taken = {e.month: e.points for e in expiry.expired(change)}
        assert taken == {month: left for month, left in due.items() if left}, "expired exactly the unspent part"
        assert all(e.kind == "expiry" and e.at == self.now for e in change.entries)
        self.apply(change)
        self.expired += sum(taken.values())
        assert self.expired <= self.earned - self.spent
        for month in due:
            del self.lots[month]
        assert all(not expiry.is_due(month, today, self.months) for month in self.fan.earned_by_month)
        assert expiry.expire(self.fan, today, self.months, self.zone, self.now) is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.integers(1, 3), ops)
def test_expiry_keeps_the_ledger_and_never_expires_a_spent_point(zone, months, steps):
    world = World(zone, months)
    for op, amount in steps:
        if op == "wait":
            world.now += timedelta(hours=amount)
        elif op == "expire":
            world.expire()
        else:
            getattr(world, op)(amount)
        fan = world.fan
        assert fan.balance >= 0
        assert fan.balance == sum(e.delta for e in world.entries)
        assert fan.balance == sum(fan.earned_by_month.values()) - fan.consumed
        assert fan.balance == sum(world.lots.values()) == world.earned - world.spent - world.expired
        assert [e.balance_after for e in world.entries[-1:]] in ([], [fan.balance])
    ids = [e.entry_id for e in world.entries]
    assert ids == sorted(set(ids))
