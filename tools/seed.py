"""Demo data for the local stack: a small catalogue and two fans with some history.

Goes through the real use cases, so the demo data obeys the same rules as live traffic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.errors import DomainError
from chalicelib.domain.rewards import Reward
from chalicelib.persistence import tables
from chalicelib.services import adjustments, catalogue, checkins
from chalicelib.services.idempotent import IdempotentRequest

DEMO_FANS = ("fan-alice", "fan-bob")


def _catalogue(now: datetime) -> list[Reward]:
    return [
        Reward("sticker-pack", "Sticker pack", cost=50, stock_remaining=500),
        Reward("tour-poster", "Signed tour poster", cost=300, stock_remaining=25, per_fan_limit=1),
        Reward("backstage-pass", "Backstage pass", cost=2000, stock_remaining=5, per_fan_limit=1, min_tier="active"),
        Reward(
            "vinyl-drop",
            "Limited vinyl (drops next week)",
            cost=800,
            stock_remaining=100,
            available_from=now + timedelta(days=7),
            available_until=now + timedelta(days=37),
        ),
    ]


def _refused(error: DomainError) -> tuple[int, str]:
    return error.status, error.detail


def seed(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    tables.create_all()
    for reward in _catalogue(now):
        catalogue.put(reward, now)
    for offset in range(3, 0, -1):
        for fan_id in DEMO_FANS:
            checkins.check_in(fan_id, now - timedelta(days=offset))
    welcome = IdempotentRequest.of("seed", "welcome-bonus-fan-alice", "POST", "seed", {}, _refused)
    adjustments.adjust("fan-alice", 500, "welcome bonus", welcome, lambda r: (201, "{}"), now)


def main() -> None:
    seed()


if __name__ == "__main__":
    main()
