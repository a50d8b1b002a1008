"""The reward catalogue, cached per process for a few seconds.

Redemptions trust the cache only as far as the transaction's condition allows: the reward's
version and its stock are re-checked by DynamoDB, so a stale entry can never oversell.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from cachetools import TTLCache

from chalicelib.domain import tiers
from chalicelib.domain.errors import RewardNotFound, Unavailable
from chalicelib.domain.rewards import Reward
from chalicelib.persistence import reads, writes
from chalicelib.persistence.conflicts import StaleReward
from chalicelib.services.idempotent import IdempotentRequest, Outcome, Render, run
from chalicelib.settings import get_settings

_lock = threading.Lock()
_SIZE = 1_000  # catalogues hold tens to hundreds of items


@lru_cache(maxsize=1)
def _rewards() -> TTLCache[str, Reward]:
    return TTLCache(maxsize=_SIZE, ttl=get_settings().catalogue_cache_seconds)


def cached(reward_id: str) -> Reward | None:
    with _lock:
        return _rewards().get(reward_id)


def remember(reward: Reward | None, reward_id: str | None = None) -> None:
    with _lock:
        if reward is not None:
            _rewards()[reward.reward_id] = reward
        elif reward_id is not None:
            _rewards().pop(reward_id, None)


def clear() -> None:
    with _lock:
        _rewards().clear()


def visible(tier: str | None, now: datetime) -> list[Reward]:
    """Rewards whose window has not ended and whose tier the caller meets (operators: all)."""
    everything = reads.rewards()
    for reward in everything:
        remember(reward)
    listed = [r for r in everything if r.is_listed(now) and (tier is None or tiers.meets(tier, r.min_tier))]
    return sorted(listed, key=lambda r: r.reward_id)


def put(reward: Reward, now: datetime) -> tuple[Reward, bool]:
    """Create or replace; returns the stored reward and whether it was created."""
    current = reads.reward(reward.reward_id)
    for _ in range(get_settings().write_attempts):
        previous = current.version if current else 0
        stored = replace(reward, version=previous + 1)
        try:
            writes.replace_reward(stored, previous, now)
        except StaleReward as stale:
            current = stale.current
            continue
        remember(stored)
        return stored, previous == 0
    raise Unavailable("The reward is being changed concurrently; retry shortly.")


def restock(
    reward_id: str, quantity: int, request: IdempotentRequest, render: Render[Reward], now: datetime
) -> Outcome:
    """Add stock; the stock condition makes the reported figure exact under concurrent redemptions."""

    def operation() -> Outcome:
        current = reads.reward(reward_id)
        for _ in range(get_settings().write_attempts):
            if current is None:
                raise RewardNotFound(f"Reward {reward_id} does not exist.")
            after = replace(current, stock_remaining=current.stock_remaining + quantity)
            status, body = render(after)
            try:
                writes.commit_restock(current, quantity, request.record(status, body, now), now)
            except StaleReward as stale:
                current = stale.current
                continue
            remember(after)
            return Outcome(status, body)
        raise Unavailable("The reward is being changed concurrently; retry shortly.")

    return run(request, now, operation, look_first=True)
