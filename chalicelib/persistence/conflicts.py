"""What a cancelled write found instead of what it expected, decoded into domain objects."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.rewards import Redemption, Reward
from chalicelib.domain.settlement import StoredFan
from chalicelib.persistence import codec, items
from chalicelib.persistence.models import FanModel, IdempotencyModel, LinkModel, RedemptionModel, RewardModel
from chalicelib.persistence.transaction import Cancelled


class KeyTaken(Exception):
    """The idempotency key already has a live record: answer from it."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


class StaleFan(Exception):
    """The fan changed since it was read; `current` is what is stored now (None if it does not exist)."""

    def __init__(self, current: StoredFan | None, change_token: str | None = None) -> None:
        super().__init__("fan changed")
        self.current = current
        self.change_token = change_token

    def written_by(self, change_token: str) -> bool:
        """True when the current state is our own write whose response was lost."""
        return self.change_token == change_token


class StaleReward(Exception):
    """The reward changed or lacks stock; `current` is the reward now (None if it does not exist)."""

    def __init__(self, current: Reward | None) -> None:
        super().__init__("reward changed")
        self.current = current


class StaleRedemption(Exception):
    def __init__(self, current: Redemption | None) -> None:
        super().__init__("redemption changed")
        self.current = current


class DuplicateDelivery(Exception):
    """This platform's `webhook-id` was already processed (and its record has not expired)."""


class LinkChanged(Exception):
    """The platform account is linked to another fan now (or was unlinked); `fan_id` is the current one."""

    def __init__(self, fan_id: str | None) -> None:
        super().__init__("link changed")
        self.fan_id = fan_id


class OldLinkGone(Exception):
    """The fan's previous account on a platform is no longer linked to them; re-read and retry."""


class EngagementTaken(Exception):
    """The reversible action already has an active record (a second like), or was reversed meanwhile."""


def _decode(raw: dict[str, Any] | None, model: Any) -> Any:
    return model.from_raw_data(raw) if raw else None


def raise_for(cancelled: Cancelled) -> None:
    """Raise the most decisive conflict: a taken key first, then the fan, reward and redemption."""
    if cancelled.failed(items.DELIVERY):
        raise DuplicateDelivery()
    if cancelled.failed(items.LINK) or cancelled.failed(items.LINK_GUARD):
        raw = cancelled.old_item(items.LINK) or cancelled.old_item(items.LINK_GUARD)
        item = _decode(raw, LinkModel)
        raise LinkChanged(item.fan_id if item else None)
    if cancelled.failed(items.UNLINK):
        raise OldLinkGone()
    if cancelled.failed(items.IDEMPOTENCY):
        raise KeyTaken(codec.record_from_item(_decode(cancelled.old_item(items.IDEMPOTENCY), IdempotencyModel)))
    if cancelled.failed(items.FAN):
        item = _decode(cancelled.old_item(items.FAN), FanModel)
        raise StaleFan(codec.fan_from_item(item) if item else None, item.change_token if item else None)
    if cancelled.failed(items.REWARD):
        item = _decode(cancelled.old_item(items.REWARD), RewardModel)
        raise StaleReward(codec.reward_from_item(item) if item else None)
    if cancelled.failed(items.REDEMPTION):
        item = _decode(cancelled.old_item(items.REDEMPTION), RedemptionModel)
        raise StaleRedemption(codec.redemption_from_item(item) if item else None)
    if cancelled.failed(items.ENGAGEMENT):
        raise EngagementTaken()
    raise cancelled
