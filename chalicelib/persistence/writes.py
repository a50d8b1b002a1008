"""Every write the app makes. Each is one transaction whose conditions make a stale read fail."""

from __future__ import annotations

from datetime import datetime

from pynamodb.expressions.condition import Condition

from chalicelib.domain.fan import FanChange
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.rewards import Redemption, RedemptionPlan, Reward
from chalicelib.persistence import codec, items
from chalicelib.persistence.conflicts import raise_for
from chalicelib.persistence.models import (
    FanModel,
    IdempotencyModel,
    LedgerEntryModel,
    RedemptionModel,
    RewardModel,
)
from chalicelib.persistence.transaction import Cancelled, Transaction


def fan_condition(previous_version: int) -> Condition:
    if previous_version == 0:
        return FanModel.fan_id.does_not_exist()
    return FanModel.version == previous_version


def add_fan_change(tx: Transaction, change: FanChange, change_token: str | None = None) -> None:
    """The fan's new state with its ledger entry, and the deferred awards it settles (its put clears them)."""
    tx.put(items.FAN, codec.fan_to_item(change.fan, change_token), fan_condition(change.previous_version))
    for entry in (*change.settled, *([change.entry] if change.entry else [])):
        tx.put(items.LEDGER, codec.entry_to_item(entry), LedgerEntryModel.entry_id.does_not_exist())


def add_record(tx: Transaction, record: IdempotencyRecord | None, now: datetime | None) -> None:
    """The request's answer under its key, in the effect's own transaction: a live key cancels it (KeyTaken)."""
    if record is None or now is None:
        return
    free = IdempotencyModel.key.does_not_exist() | (IdempotencyModel.expires_at < int(now.timestamp()))
    tx.put(items.IDEMPOTENCY, codec.record_to_item(record), free)


def _commit(tx: Transaction) -> None:
    try:
        tx.commit()
    except Cancelled as cancelled:
        raise_for(cancelled)


def commit_fan_change(
    change: FanChange, change_token: str, record: IdempotencyRecord | None = None, now: datetime | None = None
) -> None:
    """A fan's state with its ledger entries, and the request's idempotency record if it has one."""
    tx = Transaction()
    add_fan_change(tx, change, change_token)
    add_record(tx, record, now)
    _commit(tx)


def keep_answer(record: IdempotencyRecord, now: datetime) -> None:
    """Keep an answer (a refusal, or an effect with a record of its own) under its key; KeyTaken if it is used."""
    tx = Transaction()
    add_record(tx, record, now)
    _commit(tx)


def commit_redemption(plan: RedemptionPlan, change_token: str, record: IdempotencyRecord, now: datetime) -> None:
    """Debit, ledger entry, stock and the redemption in one transaction: all or nothing."""
    tx = Transaction()
    add_fan_change(tx, plan.change, change_token)
    tx.put(items.REDEMPTION, codec.redemption_to_item(plan.redemption), RedemptionModel.redemption_id.does_not_exist())
    quantity = plan.redemption.quantity
    reward_key = RewardModel(plan.reward.reward_id)
    tx.update(
        items.REWARD,
        reward_key,
        [RewardModel.stock_remaining.add(-quantity)],
        (RewardModel.version == plan.reward.version) & (RewardModel.stock_remaining >= quantity),
    )
    add_record(tx, record, now)
    _commit(tx)


def commit_cancellation(
    change: FanChange, change_token: str, cancelled: Redemption, record: IdempotencyRecord, now: datetime
) -> None:
    """Refund, ledger entry, returned stock and the status change in one transaction."""
    tx = Transaction()
    add_fan_change(tx, change, change_token)
    tx.update(
        items.REDEMPTION,
        RedemptionModel(cancelled.redemption_id),
        [RedemptionModel.status.set(cancelled.status), RedemptionModel.updated_at.set(now)],
        RedemptionModel.status == "confirmed",
    )
    tx.update(
        items.REWARD,
        RewardModel(cancelled.reward_id),
        [RewardModel.stock_remaining.add(cancelled.quantity)],
        RewardModel.reward_id.exists(),
    )
    add_record(tx, record, now)
    _commit(tx)


def commit_fulfilment(fulfilled: Redemption, now: datetime) -> None:
    tx = Transaction()
    tx.update(
        items.REDEMPTION,
        RedemptionModel(fulfilled.redemption_id),
        [RedemptionModel.status.set(fulfilled.status), RedemptionModel.updated_at.set(now)],
        RedemptionModel.status == "confirmed",
    )
    _commit(tx)


def replace_reward(reward: Reward, previous_version: int, now: datetime) -> None:
    """Create or replace a catalogue item; the version condition stops two editors racing."""
    condition = (
        RewardModel.reward_id.does_not_exist() if previous_version == 0 else RewardModel.version == previous_version
    )
    tx = Transaction()
    tx.put(items.REWARD, codec.reward_to_item(reward, now), condition)
    _commit(tx)


def commit_restock(reward: Reward, quantity: int, record: IdempotencyRecord | None, now: datetime) -> None:
    """Add stock, conditioned on the stock we read so that the response's figure is exact."""
    tx = Transaction()
    tx.update(
        items.REWARD,
        RewardModel(reward.reward_id),
        [RewardModel.stock_remaining.add(quantity), RewardModel.updated_at.set(now)],
        (RewardModel.version == reward.version) & (RewardModel.stock_remaining == reward.stock_remaining),
    )
    add_record(tx, record, now)
    _commit(tx)
