"""What every delivery use case shares: the delivery, its retry loop, its write, and who acted."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chalicelib.domain import fan as fans
from chalicelib.domain.errors import Unavailable
from chalicelib.persistence import deliveries, links
from chalicelib.persistence.conflicts import DuplicateDelivery
from chalicelib.services import fan_cache, fan_update, identity_cache
from chalicelib.settings import get_settings

Result = Literal["accepted", "duplicate"]
ROUNDS = 4  # a delivery restarts when a link changed under it or a reversible action was taken meanwhile


@dataclass(frozen=True)
class Delivery:
    platform: str
    webhook_id: str
    type: str


def attempts(step: Callable[[], Result | None]) -> Result:
    """Run a delivery step until it settles; each restart starts from what its conflict showed.

    Fan contention is retried inside the fan-update path; a restart here is rarer (a link or a
    reversible action changed meanwhile), and a short jittered pause keeps restarts apart.
    """
    for attempt in range(ROUNDS):
        try:
            result = step()
        except DuplicateDelivery:
            return "duplicate"
        if result is not None:
            return result
        time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise Unavailable("Too many concurrent changes; retry the delivery.")


def new_write(delivery: Delivery, now: datetime) -> deliveries.DeliveryWrite:
    settings = get_settings()
    return deliveries.DeliveryWrite(
        delivery.platform, delivery.webhook_id, delivery.type, now, settings.webhook_dedupe_days
    )


def commit(write: deliveries.DeliveryWrite, extra: Callable[[deliveries.DeliveryWrite], None] | None = None) -> Result:
    """For deliveries whose effect needs no decision: add it (if any) and write it with the dedupe record."""
    if extra is not None:
        extra(write)
    write.commit()
    return "accepted"


@dataclass
class Actor:
    """Who did it (if linked), the content's author, and the fan's state when known without a second read.

    `fan` is None for a linked fan whose link was not cached: its award is then deferred.
    `fresh`: the state was read in this request (not a cached guess).
    """

    fan_id: str | None
    author: str | None
    fan: fans.Fan | None
    fresh: bool = False


def actor(delivery: Delivery, external_user_id: str, content_id: str, now: datetime) -> Actor | None:
    """From caches, or one consistent read of what they lack; None when the delivery is a duplicate."""
    fan_id = identity_cache.linked_fan(delivery.platform, external_user_id)
    known, author = identity_cache.author(delivery.platform, content_id)
    fan = fan_cache.get(fan_id) if fan_id else None
    if fan_id is not None and known and fan is not None:
        return Actor(fan_id, author, fan)
    context = deliveries.delivery_context(
        delivery.platform,
        delivery.webhook_id,
        now,
        link_of=None if fan_id else external_user_id,
        content_id=None if known else content_id,
        fan_id=fan_id if fan is None else None,
    )
    if context.duplicate:
        return None
    fresh = False
    if fan_id is None:
        fan_id = context.linked_fan
        identity_cache.remember_link(delivery.platform, external_user_id, fan_id)
        fan = fan_cache.get(fan_id) if fan_id else None
    elif fan is None:
        fan, fresh = fan_update.current(fan_id, context.fan), True
        fan_cache.remember(fan)
    if not known:
        author = context.content.author if context.content else None
        identity_cache.remember_author(delivery.platform, content_id, author)
    return Actor(fan_id, author, fan, fresh)


def relinked(delivery: Delivery, external_user_id: str, acting: Actor) -> Actor:
    """After a link changed under a delivery: who the account belongs to now (read, not cached)."""
    identity_cache.forget_link(delivery.platform, external_user_id)
    fan_id = links.linked_fan(delivery.platform, external_user_id)
    identity_cache.remember_link(delivery.platform, external_user_id, fan_id)
    return Actor(fan_id, acting.author, None)
