"""Random sequences of check-ins over days, adjustments, redemptions, cancellations and engagement awards
(read-then-written, or deferred unread) keep every invariant: balance >= 0, stock >= 0,
balance == sum of the ledger, and never more confirmed than stock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import DomainError
from chalicelib.domain.platform_events import AccountLinked, Engaged
from chalicelib.domain.rewards import Reward
from chalicelib.persistence import reads
from chalicelib.persistence.models import FanModel, LedgerEntryModel
from chalicelib.services import (
    adjustments,
    caches,
    catalogue,
    checkins,
    engagements,
    fan_update,
    ledger,
    linking,
    redemptions,
)
from chalicelib.services.deliveries import Delivery
from chalicelib.services.idempotent import IdempotentRequest

FANS = 3
STOCK = 4
ops = st.lists(
    st.one_of(
        st.tuples(st.just("checkin"), st.integers(0, FANS - 1)),
        st.tuples(st.just("next_day"), st.integers(1, 3)),
        st.tuples(st.just("adjust"), st.integers(0, FANS - 1), st.integers(-40, 40).filter(bool)),
        st.tuples(st.just("redeem"), st.integers(0, FANS - 1), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 10)),
        st.tuples(st.just("share"), st.integers(0, FANS - 1), st.booleans()),
        st.tuples(
            st.just("retry_last"),
        ),
    ),
    max_size=30,
)


def _render(result: object) -> tuple[int, str]:
    return 201, "{}"


def _refused(error: DomainError) -> tuple[int, str]:
    return error.status, error.code


def _ledger_sum(fan_id: str) -> int:
    total, cursor = 0, None
    while True:
        page = ledger.page(fan_id, 100, cursor)
        total += sum(e.delta for e in page.items)
        if page.cursor is None:
            return total
        cursor = page.cursor


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_invariants_hold_for_any_sequence(aws, sequence):
    run = uuid.uuid4().hex[:8]
    fans = [f"{run}-fan-{i}" for i in range(FANS)]
    now = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)
    reward = Reward(f"{run}-tee", "Tee", cost=15, stock_remaining=STOCK, per_fan_limit=3)
    catalogue.put(reward, now)
    for fan in fans:
        checkins.check_in(fan, now)
        linking.link(
            Delivery("tiktok", f"{run}-link-{fan}", "account.linked"),
            AccountLinked(external_user_id=fan, fan_id=fan),
            now,
        )
    last: tuple[str, IdempotentRequest, int] | None = None
    last_succeeded = False
    for step, op in enumerate(sequence):
        try:
            if op[0] == "checkin":
                checkins.check_in(fans[op[1]], now)
            elif op[0] == "next_day":
                now += timedelta(days=op[1], hours=7)
                last = None  # idempotency keys are kept 24 h; a retry days later is a new request
            elif op[0] == "adjust":
                request = IdempotentRequest.of("ops", f"{run}-{step}", "POST", "adj", {"d": op[2]}, _refused)
                adjustments.adjust(fans[op[1]], op[2], "prop", request, _render, now)
            elif op[0] == "redeem":
                request = IdempotentRequest.of(fans[op[1]], f"{run}-{step}", "POST", "r", {"q": op[2]}, _refused)
                last, last_succeeded = (fans[op[1]], request, op[2]), False
                redemptions.redeem(fans[op[1]], reward.reward_id, op[2], request, _render, now)
                last_succeeded = True
            elif op[0] == "share":  # 5 points, 2 a day; with cold caches the award is deferred unread
                if op[2]:
                    caches.clear_all()
                delivery = Delivery("tiktok", f"{run}-{step}", "engagement.shared")
                shared = Engaged(content_id=f"c{step}", external_user_id=fans[op[1]], occurred_at=now)
                engagements.engage(delivery, "shared", shared, now)
            elif op[0] == "cancel" and (made := _redemption_ids(fans)):
                request = IdempotentRequest.of("ops", f"{run}-{step}", "POST", "c", {}, _refused)
                redemptions.cancel(made[op[1] % len(made)], request, _render, now)
            elif op[0] == "retry_last" and last is not None:
                before = _redemption_ids(fans)
                outcome = redemptions.redeem(last[0], reward.reward_id, last[2], last[1], _render, now)
                if last_succeeded:  # a replay (of a success or a refusal): answered from the record, no second effect
                    assert outcome.replayed and _redemption_ids(fans) == before
        except DomainError:
            pass
        _check(fans, reward.reward_id)


def _redemption_ids(fans: list[str]) -> list[str]:
    return sorted(r.redemption_id for fan in fans for r in reads.redemptions_page(fan, 100, None).items)


def _check(fans: list[str], reward_id: str) -> None:
    stored = reads.reward(reward_id)
    assert stored is not None and stored.stock_remaining >= 0
    confirmed = 0
    for fan in fans:
        state = fan_update.read(fan)
        assert state.stored
        assert state.balance >= 0
        assert state.balance == _ledger_sum(fan)
        written = FanModel.get(fan, consistent_read=True)  # what is written agrees too, pending awards aside
        assert written.balance == sum(e.delta for e in LedgerEntryModel.query(fan, consistent_read=True))
        page = reads.redemptions_page(fan, 100, None)
        confirmed += sum(r.quantity for r in page.items if r.status != "cancelled")
    assert confirmed + stored.stock_remaining == STOCK
