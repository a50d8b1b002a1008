"""PynamoDB models, one table per entity; `docs/data-model.md` lists the access patterns."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE, STREAM_NEW_IMAGE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = 0  # every attempt is ours to count: see transaction.with_retries
    connect_timeout_seconds = 1
    read_timeout_seconds = 3


class PendingAwardAttribute(MapAttribute[str, Any]):
    """An engagement award appended without reading the fan; see `engagement.PendingAward`."""

    kind = UnicodeAttribute()
    occurred_at = UTCDateTimeAttribute()
    at = UTCDateTimeAttribute()
    ref = UnicodeAttribute()
    points = NumberAttribute()
    cap = NumberAttribute(null=True)
    author_platform = UnicodeAttribute(null=True)
    author = UnicodeAttribute(null=True)
    completion = NumberAttribute(null=True)


class AccountAttribute(MapAttribute[str, Any]):
    """A platform account a fan linked before (see `Fan.former_accounts`)."""

    platform = UnicodeAttribute()
    external_user_id = UnicodeAttribute()


class FanModel(Model):
    """A fan's profile and points account. Every write is guarded by `version`.

    `change_token` is unique per write attempt, so a writer whose response was lost can tell its
    own write from a concurrent one that produced the same state.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("fans")
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE  # outgoing events compare the state before and after

    fan_id = UnicodeAttribute(hash_key=True)
    time_zone = UnicodeAttribute(null=True)
    time_zone_changed_at = UTCDateTimeAttribute(null=True)
    balance = NumberAttribute()
    lifetime_points = NumberAttribute()
    tier = UnicodeAttribute()
    tier_since = UnicodeAttribute(null=True)
    tier_warning_to = UnicodeAttribute(null=True)
    tier_warning_on = UnicodeAttribute(null=True)
    lifecycle_stage = UnicodeAttribute()
    streak = NumberAttribute()
    last_checkin_date = UnicodeAttribute(null=True)
    earned_by_month: MapAttribute[str, Any] = MapAttribute()
    consumed = NumberAttribute()
    redeemed: MapAttribute[str, Any] = MapAttribute()
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    change_token = UnicodeAttribute(null=True)
    engagement_counts: MapAttribute[str, Any] = MapAttribute(null=True)
    linked_accounts: MapAttribute[str, Any] = MapAttribute(null=True)
    former_accounts = ListAttribute(of=AccountAttribute, null=True)
    activity = UnicodeAttribute(null=True)  # `codec.activity_text`: one compact string, cheap to (de)serialise
    at_risk = BooleanAttribute(null=True)
    earned_today = UnicodeAttribute(null=True)  # `<community day>|<points>` (codec.earnings_text)
    lifecycle_assessed_at = UTCDateTimeAttribute(null=True)  # the update-lifecycle run that set the stage
    expiry_notices = UnicodeSetAttribute(null=True)
    pending = ListAttribute(of=PendingAwardAttribute, null=True)


class LedgerEntryModel(Model):
    """Immutable; `entry_id` is the fan's version after the change, so it sorts by time."""

    class Meta(_Meta):
        table_name = _settings.table_name("ledger")
        stream_view_type = STREAM_NEW_IMAGE  # entries are only ever inserted: there is no old image

    fan_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    delta = NumberAttribute()
    balance_after = NumberAttribute()
    kind = UnicodeAttribute()
    ref = UnicodeAttribute()


class RewardModel(Model):
    """A catalogue item. `version` changes on replace; stock changes only by conditional ADD."""

    class Meta(_Meta):
        table_name = _settings.table_name("rewards")

    reward_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    cost = NumberAttribute()
    stock_remaining = NumberAttribute()
    per_fan_limit = NumberAttribute(null=True)
    min_tier = UnicodeAttribute(null=True)
    available_from = UTCDateTimeAttribute(null=True)
    available_until = UTCDateTimeAttribute(null=True)
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()


class RedemptionsByFan(GlobalSecondaryIndex["RedemptionModel"]):
    class Meta:
        index_name = "by-fan"
        projection = AllProjection()

    fan_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RedemptionModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("redemptions")
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE  # a status change is told from the status before it

    redemption_id = UnicodeAttribute(hash_key=True)
    fan_id = UnicodeAttribute()
    reward_id = UnicodeAttribute()
    quantity = NumberAttribute()
    points_spent = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    balance_after = NumberAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    by_fan = RedemptionsByFan()


class IdempotencyModel(Model):
    """A caller's key with the request fingerprint and the response it got.

    `expires_at` is compared explicitly; `ttl` only lets DynamoDB reclaim space, days later.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("idempotency")

    key = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    status = NumberAttribute()
    body = UnicodeAttribute()
    expires_at = NumberAttribute()
    ttl = TTLAttribute()


class WebhookDeliveryModel(Model):
    """One processed delivery per platform and `webhook-id`, written with its effects.

    An engagement counted in content metrics also names its kind, instant and completion here, so
    the deliveries stream can count the day's content KPIs with no added request on the webhook.
    Kept at least WEBHOOK_DEDUPE_DAYS; `expires_at` is compared explicitly, `ttl` reclaims space.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("webhook-deliveries")
        stream_view_type = STREAM_NEW_IMAGE  # the content KPI counters count what each delivery recorded

    delivery_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    fan_id = UnicodeAttribute(null=True)
    points = NumberAttribute(null=True)
    engaged = UnicodeAttribute(null=True)  # the kind counted in the content's metrics, if any
    occurred_at = UTCDateTimeAttribute(null=True)
    completion = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    ttl = TTLAttribute()


class LinkModel(Model):
    """A platform account vouched for as a fan's (`account.linked`)."""

    class Meta(_Meta):
        table_name = _settings.table_name("links")

    link_id = UnicodeAttribute(hash_key=True)
    platform = UnicodeAttribute()
    external_user_id = UnicodeAttribute()
    fan_id = UnicodeAttribute()
    linked_at = UTCDateTimeAttribute()


class ContentModel(Model):
    """A content item on a platform: its author, and any moderation flag."""

    class Meta(_Meta):
        table_name = _settings.table_name("content")

    content_key = UnicodeAttribute(hash_key=True)
    author = UnicodeAttribute(null=True)
    published_at = UTCDateTimeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    flag_severity = UnicodeAttribute(null=True)
    flag_reason = UnicodeAttribute(null=True)
    flagged_at = UTCDateTimeAttribute(null=True)
    deleted_at = UTCDateTimeAttribute(null=True)


class EngagementModel(Model):
    """A reversible action (a like, a publication) and the points it earned, so it can be undone once.

    `deferred` means the award went to the fan's pending list, so `points` is what it could earn;
    what it did earn is in the fan's ledger under the action's ref.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("engagements")

    engagement_key = UnicodeAttribute(hash_key=True)
    fan_id = UnicodeAttribute(null=True)
    points = NumberAttribute()
    occurred_at = UnicodeAttribute()  # fixed-width UTC (codec.instant), so string order is time order
    reversed_at = UnicodeAttribute(null=True)
    deferred = BooleanAttribute(null=True)


class ContentStatsModel(Model):
    """Content metrics as one `u/<id>` item per engaged user (`keys.stats_user`), holding that user's counters.

    No item is shared by everyone engaging with one content item (a hot item would cap it near
    1,000 writes/s and make concurrent transactions conflict); a user always lands in the same of
    CONTENT_STAT_SHARDS partition keys, so writes spread while each user stays one item (see
    docs/data-model.md).
    """

    class Meta(_Meta):
        table_name = _settings.table_name("content-stats")

    shard_key = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    liked = NumberAttribute(null=True)
    commented = NumberAttribute(null=True)
    shared = NumberAttribute(null=True)
    viewed = NumberAttribute(null=True)
    completion_sum = NumberAttribute(null=True)
    events = NumberAttribute(null=True)


class JobRunModel(Model):
    """Scheduled-job bookkeeping, one partition per job (docs/jobs.md).

    `item` is `run#<run_id>` for a run, `lock` for the job's lock (the run holding it and its
    lease), and `seg#<run_id>#<phase>#<n>` for a segment's checkpoint and the worker holding it
    (`owner` until `lease_until`). Run ids come from our safe id set, which has no `#`, so the
    kinds cannot meet.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("job-runs")

    job = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    run_id = UnicodeAttribute()
    status = UnicodeAttribute(null=True)
    trigger = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    segments = NumberAttribute(null=True)
    segments_done = NumberAttribute(null=True)
    summary: MapAttribute[str, Any] = MapAttribute(null=True)
    error = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    cursor = UnicodeAttribute(null=True)
    counts: MapAttribute[str, Any] = MapAttribute(null=True)
    done = BooleanAttribute(null=True)
    context = UnicodeAttribute(null=True)
    params = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)


class AlertsByStatus(GlobalSecondaryIndex["AlertModel"]):
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class AlertsByTime(GlobalSecondaryIndex["AlertModel"]):
    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class AlertModel(Model):
    """One episode of a dedup key (`key` = its digest, `episode` counts from 1); every write is guarded by `version`.

    `listed_at` (`<raised instant>|<alert_id>`) and `listing` are set once the alert is raised, so
    pending ones stay out of both indexes (docs/data-model.md, "Alerts").
    """

    class Meta(_Meta):
        table_name = _settings.table_name("alerts")

    key = UnicodeAttribute(hash_key=True)
    episode = NumberAttribute(range_key=True)
    alert_id = UnicodeAttribute()
    dedup_key = UnicodeAttribute()
    rule = UnicodeAttribute()
    category = UnicodeAttribute()
    scope = UnicodeAttribute()
    status = UnicodeAttribute()
    level = UnicodeAttribute(null=True)
    observed = UnicodeAttribute(null=True)
    observed_at = UTCDateTimeAttribute()
    first_seen_at = UTCDateTimeAttribute()
    title = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)
    evidence = UnicodeAttribute()  # JSON, bounded (domain/alerts/evidence.py)
    runbook = UnicodeAttribute(null=True)
    pending_seconds = NumberAttribute(null=True)
    repeat_seconds = NumberAttribute(null=True)
    clear_seconds = NumberAttribute(null=True)
    inhibited_by_technical = BooleanAttribute(null=True)
    condition_since = UTCDateTimeAttribute(null=True)
    clear_since = UTCDateTimeAttribute(null=True)
    raised_at = UTCDateTimeAttribute(null=True)
    level_since = UTCDateTimeAttribute(null=True)
    detected_at = UTCDateTimeAttribute(null=True)
    last_notified_at = UTCDateTimeAttribute(null=True)
    repeats = NumberAttribute()
    notifications = NumberAttribute()
    muted = NumberAttribute()
    acknowledged_by = UnicodeAttribute(null=True)
    acknowledged_at = UTCDateTimeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    version = NumberAttribute()
    listing = UnicodeAttribute(null=True)
    listed_at = UnicodeAttribute(null=True)
    by_status = AlertsByStatus()
    by_time = AlertsByTime()


class UnsentNotifications(GlobalSecondaryIndex["AlertOutboxModel"]):
    class Meta:
        index_name = "unsent"
        projection = AllProjection()

    unsent = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class AlertOutboxModel(Model):
    """A notification decided with its alert's state change, kept until SNS has taken it.

    `unsent` (the `unsent` index's key) is removed when it is sent; `claimed_until` keeps a
    publisher's claim, so a crashed one's notification is taken over after the lease.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("alert-outbox")

    notification_id = UnicodeAttribute(hash_key=True)
    alert_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    message = UnicodeAttribute()
    attributes = UnicodeAttribute()  # JSON: the SNS message attributes
    subject = UnicodeAttribute()
    created_at = UnicodeAttribute()  # fixed-width UTC (codec.instant)
    unsent = UnicodeAttribute(null=True)
    claimed_until = NumberAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    ttl = TTLAttribute(null=True)
    unsent_index = UnsentNotifications()


class SilenceModel(Model):
    """Mutes matching alerts until `ends_at`, which is compared explicitly; `ttl` only reclaims space."""

    class Meta(_Meta):
        table_name = _settings.table_name("alert-silences")

    silence_id = UnicodeAttribute(hash_key=True)
    category = UnicodeAttribute(null=True)
    rule = UnicodeAttribute(null=True)
    ends_at = UTCDateTimeAttribute()
    reason = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()


class CounterModel(Model):
    """Day counters kept by the stream consumers, one item per (bucket, table and stream shard) so that no two
    shards' batches write the same item; the reader sums a bucket's items. Each counter is a number attribute
    named for what it counts (domain/kpis/counting.py), so one item holds any set of them.

    The bucket `checkpoint` holds each shard's high-water sequence number (`sequence`): a record at or below it
    was counted. Its `ttl` reclaims it after the stream (24 h) can no longer deliver that shard.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("counters")

    bucket = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    sequence = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)


class FlagRecordModel(Model):
    """A moderation flag as received, for the risk scan: in the counters table under `flags#<UTC day>`, sorted by
    the instant it arrived. Written in the flag delivery's own transaction (no added request), one item per flag
    (no hot item); `ttl` reclaims it once no rule looks back that far. Not in ALL_MODELS: the table is the
    counters'.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("counters")

    bucket = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    platform = UnicodeAttribute()
    content_id = UnicodeAttribute()
    severity = UnicodeAttribute()
    reason = UnicodeAttribute()
    flagged_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()


class FarmingSuspectModel(Model):
    """A fan over the points-farming floor or at every pinned cap on a community day (`suspects#<day>` / fan id),
    in the counters table. Written by the fans stream in its counters' transaction (domain/risk/fan_signals.py);
    `ttl` reclaims it two days on. Not in ALL_MODELS: the table is the counters'.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("counters")

    bucket = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    points = NumberAttribute()
    capped = UnicodeSetAttribute(null=True)
    ttl = TTLAttribute()


class NewcomerModel(Model):
    """What a recently first-seen fan did in one UTC hour (`newcomers#<YYYY-MM-DDTHH>` / fan id), in the counters
    table: its check-in instants and redemptions (string sets, so adding one twice is harmless) and its other
    actions. Written by the fans stream in its counters' transaction; `ttl` reclaims it once no rule can call the
    fan new. Not in ALL_MODELS: the table is the counters'.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("counters")

    bucket = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    first_seen_at = UTCDateTimeAttribute()
    other_actions = NumberAttribute()
    checkins = UnicodeSetAttribute(null=True)
    redemptions = UnicodeSetAttribute(null=True)
    ttl = TTLAttribute()


class KpiSnapshotModel(Model):
    """One KPI snapshot per community day (docs/kpis.md), under one partition: a range of days is one query.

    One write a day, so the single partition is never hot. `snapshot` is the API's item as JSON: it is
    only ever written and returned whole.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("kpis")

    series = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    snapshot = UnicodeAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    FanModel,
    LedgerEntryModel,
    RewardModel,
    RedemptionModel,
    IdempotencyModel,
    WebhookDeliveryModel,
    LinkModel,
    ContentModel,
    EngagementModel,
    ContentStatsModel,
    JobRunModel,
    AlertModel,
    AlertOutboxModel,
    SilenceModel,
    CounterModel,
    KpiSnapshotModel,
)

# Models on another model's table: no table of their own to create, but their own PynamoDB clients.
SHARED_TABLE_MODELS: tuple[type[Model], ...] = (FlagRecordModel, FarmingSuspectModel, NewcomerModel)
