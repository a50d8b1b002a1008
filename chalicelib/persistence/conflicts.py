"""What a cancelled write found instead of what it expected, decoded into domain objects."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.fan import Fan
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.rewards import Redemption, Reward
from chalicelib.persistence import codec
from chalicelib.persistence.models import FanModel, IdempotencyModel, LinkModel, RedemptionModel, RewardModel
from chalicelib.persistence.transaction import Cancelled


class KeyTaken(Exception):
    """The idempotency key already has a live record: answer from it."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


class StaleFan(Exception):
    """The fan changed since it was read; `current` is the fan now (None if it does not exist)."""

    def __init__(self, current: Fan | None, change_token: str | None = None) -> None:
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
    if cancelled.failed("delivery"):
        raise DuplicateDelivery()
    if cancelled.failed("link") or cancelled.failed("link_guard"):
        raw = cancelled.old_item("link") or cancelled.old_item("link_guard")
        item = _decode(raw, LinkModel)
        raise LinkChanged(item.fan_id if item else None)
    if cancelled.failed("unlink"):
        raise OldLinkGone()
    if cancelled.failed("idempotency"):
        raise KeyTaken(codec.record_from_item(_decode(cancelled.old_item("idempotency"), IdempotencyModel)))
    if cancelled.failed("fan"):
        item = _decode(cancelled.old_item("fan"), FanModel)
        raise StaleFan(codec.fan_from_item(item) if item else None, item.change_token if item else None)
    if cancelled.failed("reward"):
        item = _decode(cancelled.old_item("reward"), RewardModel)
        raise StaleReward(codec.reward_from_item(item) if item else None)
    if cancelled.failed("redemption"):
        item = _decode(cancelled.old_item("redemption"), RedemptionModel)
        raise StaleRedemption(codec.redemption_from_item(item) if item else None)
    if cancelled.failed("engagement"):
        raise EngagementTaken()
    raise cancelled
