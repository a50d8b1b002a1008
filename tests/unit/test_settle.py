"""Settling deferred awards: the same decisions as deciding each event at once, in order, without AWS."""

from datetime import datetime, timedelta, timezone

from chalicelib.domain import engagement
from chalicelib.domain import fan as fans
from chalicelib.domain.activity import ScoreRules
from chalicelib.domain.settlement import PendingAward, StoredFan, settle

SCORE = ScoreRules()

UTC = timezone.utc
NOW = datetime(2026, 11, 22, 15, 40, tzinfo=UTC)  # 23:40 in Shanghai
RULES = engagement.EngagementRules(points={"liked": 2, "viewed": 1}, daily_caps={"liked": 2})


def award(minutes: int, kind: engagement.Kind = "liked", **extra: object) -> PendingAward:
    at = NOW + timedelta(minutes=minutes)
    fields: dict[str, object] = {
        "points": RULES.points.get(kind, 0),
        "cap": RULES.daily_caps.get(kind),
        "author": None,
        "completion": None,
        **extra,
    }
    return PendingAward(kind, at, at, f"p:{kind}:{minutes}", **fields)  # type: ignore[arg-type]


def test_settling_decides_in_order_in_the_fans_local_day():
    base = fans.Fan("f", time_zone="Asia/Shanghai", balance=5, version=7, linked_accounts={"tiktok": "me"})
    own = ("tiktok", "me")
    pending = (award(0), award(5), award(10), award(25), award(26, author=own))
    settled = settle(StoredFan(base, pending), "UTC", SCORE)
    assert settled.balance == 5 + 2 + 2 + 0 + 2 + 0  # the third is capped; 00:05 in Shanghai is a new day
    assert settled.engagement_counts == {"2026-11-22|liked": 2, "2026-11-23|liked": 1}
    assert [e.ref for e in settled.settling][2:] == ["p:liked:10 (capped)", "p:liked:25", "p:liked:26 (self)"]
    assert settled.version == 12 == StoredFan(base, pending).version


def test_content_through_an_account_the_fan_linked_before_is_their_own():
    base = fans.Fan("f", version=1, linked_accounts={"tiktok": "new"}, former_accounts=(("tiktok", "old"),))
    pending = (award(0, author=("tiktok", "old")), award(1, author=("youtube", "old")))
    settled = settle(StoredFan(base, pending), "UTC", SCORE)
    assert [(e.delta, e.ref) for e in settled.settling] == [(0, "p:liked:0 (self)"), (2, "p:liked:1")]


def test_each_settled_award_has_its_entry_in_version_order_with_running_balance():
    base = fans.Fan("f", balance=3, version=2)
    settled = settle(StoredFan(base, (award(0), award(1), award(2))), "UTC", SCORE)
    entries = settled.settling
    assert [e.entry_id for e in entries] == [fans.entry_id_for(v) for v in (3, 4, 5)]
    assert [(e.delta, e.balance_after) for e in entries] == [(2, 5), (2, 7), (0, 7)]
    assert entries[2].ref == "p:liked:2 (capped)"


def test_an_award_keeps_the_price_and_cap_it_was_deferred_under():
    base = fans.Fan("f", version=1)
    pending = (award(0, points=5, cap=1), award(1, points=5, cap=1), award(2, points=0, cap=None))
    settled = settle(StoredFan(base, pending), "UTC", SCORE)
    assert settled.version == 4
    assert [(e.entry_id, e.delta, e.ref) for e in settled.settling] == [
        (fans.entry_id_for(2), 5, "p:liked:0"),
        (fans.entry_id_for(3), 0, "p:liked:1 (capped)"),
        (fans.entry_id_for(4), 0, "p:liked:2 (earned)"),
    ]


def test_the_next_change_writes_the_settled_entries_and_starts_clean():
    settled = settle(StoredFan(fans.Fan("f", version=1), (award(0),)), "UTC", SCORE)
    change = fans.credit(settled, 10, "checkin", "2026-11-22", NOW, "UTC")
    assert change.settled == settled.settling and change.fan.settling == ()
    assert change.previous_version == 2 and change.entry is not None and change.entry.balance_after == 12


def test_refusals_before_deferring():
    assert engagement.refusal("viewed", NOW, NOW, RULES, 0.2) == engagement.Decision(0, "low_completion")
    assert engagement.refusal("liked", NOW - timedelta(days=8), NOW, RULES, None) == engagement.Decision(0, "too_old")
    assert engagement.refusal("shared", NOW, NOW, RULES, None) == engagement.Decision(0, "unpriced")
    assert engagement.refusal("liked", NOW, NOW, RULES, None) is None


def test_settled_awards_that_earned_are_recorded_in_the_activity_at_their_own_time():
    settled = settle(StoredFan(fans.Fan("f", version=1), (award(0), award(1), award(2))), "UTC", SCORE)
    assert settled.activity.last_core_at == NOW + timedelta(minutes=1)  # the capped third is not recorded
    assert settled.activity.score_value > 1.9
