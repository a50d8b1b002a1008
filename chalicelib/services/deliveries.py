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
from chalicelib.persistence import platform, reads
from chalicelib.persistence.conflicts import DuplicateDelivery
from chalicelib.services import fan_cache, identity_cache
from chalicelib.settings import get_settings

Result = Literal["accepted", "duplicate"]


@dataclass(frozen=True)
class Delivery:
    platform: str
    webhook_id: str
    type: str


def attempts(step: Callable[[], Result | None]) -> Result:
    """Run a delivery step until it settles; each retry starts from what its conflict showed.

    A burst of events for one fan contends on the fan's version; a short jittered pause spreads
    the retries so that they stop colliding.
    """
    for attempt in range(get_settings().write_attempts + 2):
        try:
            result = step()
        except DuplicateDelivery:
            return "duplicate"
        if result is not None:
            return result
        time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise Unavailable("Too many concurrent changes; retry the delivery.")


def fan_state(fan_id: str) -> fans.Fan:
    return fan_cache.get(fan_id) or reads.fan(fan_id) or fans.Fan(fan_id)


def new_write(delivery: Delivery, now: datetime) -> platform.DeliveryWrite:
    settings = get_settings()
    return platform.DeliveryWrite(
        delivery.platform, delivery.webhook_id, delivery.type, now, settings.webhook_dedupe_days
    )


def commit(write: platform.DeliveryWrite, extra: Callable[[platform.DeliveryWrite], None] | None = None) -> Result:
    """For deliveries whose effect needs no decision: add it (if any) and write it with the dedupe record."""
    if extra is not None:
        extra(write)
    write.commit()
    return "accepted"


@dataclass
class Actor:
    """Who did it (if linked), the content's author, and the fan's state when known without a second read.

    `fan` is None for a linked fan whose link was not cached: its award is then deferred.
    """

    fan_id: str | None
    author: str | None
    fan: fans.Fan | None


def actor(delivery: Delivery, external_user_id: str, content_id: str, now: datetime) -> Actor | None:
    """From caches, or one consistent read of what they lack; None when the delivery is a duplicate."""
    fan_id = identity_cache.linked_fan(delivery.platform, external_user_id)
    known, author = identity_cache.author(delivery.platform, content_id)
    fan = fan_cache.get(fan_id) if fan_id else None
    if fan_id is not None and known and fan is not None:
        return Actor(fan_id, author, fan)
    context = platform.delivery_context(
        delivery.platform,
        delivery.webhook_id,
        now,
        link_of=None if fan_id else external_user_id,
        content_id=None if known else content_id,
        fan_id=fan_id if fan is None else None,
    )
    if context.duplicate:
        return None
    if fan_id is None:
        fan_id = context.linked_fan
        identity_cache.remember_link(delivery.platform, external_user_id, fan_id)
        fan = fan_cache.get(fan_id) if fan_id else None
    elif fan is None:
        fan = context.fan or fans.Fan(fan_id)
        fan_cache.remember(fan)
    if not known:
        author = context.content.author if context.content else None
        identity_cache.remember_author(delivery.platform, content_id, author)
    return Actor(fan_id, author, fan)
