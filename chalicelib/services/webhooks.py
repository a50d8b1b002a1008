"""Content-platform deliveries: route each verified delivery to its use case (see docs/webhooks.md).

Every use case writes its effect in one transaction with the delivery's dedupe record, so a
delivery has exactly one effect however often it arrives.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from chalicelib.domain import engagement
from chalicelib.domain.platform_events import (
    ENGAGEMENT_KINDS,
    AccountLinked,
    ContentDeleted,
    ContentFlagged,
    ContentPublished,
    Engaged,
)
from chalicelib.observability import logger
from chalicelib.persistence import content_metrics as metrics_store
from chalicelib.services import content, engagements, linking
from chalicelib.services.deliveries import Delivery, Result, attempts, commit, new_write
from chalicelib.settings import get_settings


def ignore(delivery: Delivery, now: datetime) -> Result:
    """Unknown types are accepted (platforms add types) and remembered, so duplicates stay duplicates."""
    logger.info("ignored unknown webhook type", extra={"platform": delivery.platform, "type": delivery.type})
    return attempts(lambda: commit(new_write(delivery, now)))


def handle(delivery: Delivery, data: object, now: datetime) -> Result:
    """Route a verified, parsed delivery to its use case."""
    kind = ENGAGEMENT_KINDS.get(delivery.type)
    if kind is not None and isinstance(data, Engaged):
        return engagements.engage(delivery, cast(engagement.Kind, kind), data, now)
    if isinstance(data, AccountLinked):
        return linking.link(delivery, data, now)
    if isinstance(data, ContentPublished):
        return content.publish(delivery, data, now)
    if isinstance(data, Engaged) and delivery.type == "engagement.unliked":
        return engagements.unlike(delivery, data, now)
    if isinstance(data, ContentDeleted):
        return content.delete(delivery, data, now)
    if isinstance(data, ContentFlagged):
        return content.flag(delivery, data, now)
    return ignore(delivery, now)


def content_metrics(platform_name: str, content_id: str) -> metrics_store.ContentMetrics:
    return metrics_store.content_metrics(platform_name, content_id, get_settings().content_stat_shards)
