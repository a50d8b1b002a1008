"""Content metrics for dashboards: every engaged user's counters summed over the content's shards."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.persistence import keys
from chalicelib.persistence.content import Content, content_from_item
from chalicelib.persistence.models import ContentModel, ContentStatsModel
from chalicelib.persistence.transaction import with_retries


@dataclass(frozen=True)
class ContentMetrics:
    author: str | None
    counts: dict[str, float]
    unique_engaged: int
    content: Content | None


def content_metrics(platform: str, content_id: str, shards: int) -> ContentMetrics:
    """Sum every user's counters over every shard; reads are rare (dashboards), so they pay for cheap writes."""

    def read() -> ContentMetrics:
        counts: dict[str, float] = {"liked": 0, "commented": 0, "shared": 0, "viewed": 0, "completion_sum": 0.0}
        unique = 0
        for n in range(shards):
            for item in ContentStatsModel.query(
                keys.stats_shard(platform, content_id, n),
                ContentStatsModel.item.startswith(keys.STATS_USER_PREFIX),
                consistent_read=True,
            ):
                for name in counts:
                    counts[name] += float(getattr(item, name) or 0)
                unique += 1 if (item.events or 0) > 0 else 0
        try:
            found = ContentModel.get(keys.content(platform, content_id), consistent_read=True)
            content: Content | None = content_from_item(found)
        except DoesNotExist:
            content = None
        return ContentMetrics(content.author if content else None, counts, unique, content)

    return with_retries(read)


