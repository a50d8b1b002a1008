"""Outgoing events as pure derivations from a write's before and after: which events, their details, their ids."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import outgoing_events as outgoing
from chalicelib.domain.fan import Fan, LedgerEntry
from chalicelib.domain.rewards import Redemption
from chalicelib.domain.settlement import StoredFan
from chalicelib.domain.tiers import DowngradeWarning
from tests import events as schemas

AT = datetime(2026, 12, 1, 16, 0, 0, 123456, tzinfo=UTC)


def stored(**fields) -> StoredFan:
    return StoredFan(Fan("fan-1", **fields))


def derive(before, after):
    return outgoing.fan_events(before, after, AT, 12)


def kinds(found):
    return [e.detail_type for e in found]


def test_a_write_that_moves_no_tier_stage_warning_or_notice_announces_nothing():
    before = stored(tier="active", lifecycle_stage="loyalty", balance=10, version=7)
    after = stored(tier="active", lifecycle_stage="loyalty", balance=60, streak=3, at_risk=True, version=8)
    assert derive(before, after) == []


def test_a_first_write_is_compared_with_a_new_fan():
    assert derive(None, stored(balance=10, version=1)) == []
    assert kinds(derive(None, stored(tier="potential", version=1))) == ["TierChanged"]


def test_tier_changes_name_their_direction_and_day():
    [up] = derive(stored(version=3), stored(tier="head", tier_since=date(2026, 12, 1), version=4))
    assert up.detail() == {
        "event_id": up.event_id,
        "fan_id": "fan-1",
        "occurred_at": "2026-12-01T16:00:00.123Z",
        "from": "silent",
        "to": "head",
        "direction": "promoted",
        "since": "2026-12-01",
    }
    [down] = derive(stored(tier="head", version=9), stored(tier="active", version=10))
    assert down.change["direction"] == "demoted" and down.change["since"] is None


def test_a_new_warning_is_announced_and_a_kept_one_is_not():
    warning = DowngradeWarning("active", date(2026, 12, 1))
    before, after = stored(tier="head", version=3), stored(tier="head", tier_warning=warning, version=4)
    [warned] = derive(before, after)
    assert (warned.detail_type, dict(warned.change)) == (
        "TierDowngradeWarning",
        {"tier": "head", "to": "active", "on": "2026-12-01"},
    )
    assert derive(after, replace(after, base=replace(after.base, balance=5, version=5))) == []
    assert derive(after, stored(tier="head", version=5)) == []  # a warning dropped is not announced


def test_stage_changes_say_whether_a_churned_fan_came_back():
    [changed] = derive(
        stored(lifecycle_stage="churned", at_risk=True, version=2), stored(lifecycle_stage="interest", version=3)
    )
    assert dict(changed.change) == {"from": "churned", "to": "interest", "at_risk": False, "resurrected": True}


def test_notices_recorded_by_the_write_are_announced_with_the_points_left():
    before = stored(earned_by_month={"2025-12": 40, "2026-01": 30}, consumed=25, balance=45, version=5)
    after = replace(before, base=replace(before.base, expiry_notices=frozenset({"2025-12:30"}), version=6))
    [notice] = derive(before, after)
    assert (notice.detail_type, dict(notice.change)) == (
        "PointsExpiring",
        {"month": "2025-12", "points": 15, "expires_on": "2026-12-31", "days_ahead": 30},
    )
    later = replace(after, base=replace(after.base, expiry_notices=frozenset({"2025-12:30", "2025-12:7"}), version=7))
    [last_call] = derive(after, later)
    assert last_call.change["days_ahead"] == 7 and last_call.event_id != notice.event_id
    spent = replace(
        before, base=replace(before.base, consumed=40, balance=30, expiry_notices=frozenset({"2025-12:30"}))
    )
    assert derive(before, spent) == []  # nothing left of the month: nothing to announce


def test_ids_are_stable_for_the_same_change_and_distinct_for_others():
    before, after = stored(version=3), stored(tier="head", lifecycle_stage="interest", version=4)
    first, again = derive(before, after), derive(before, after)
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert len({e.event_id for e in first}) == 2
    other_write = derive(stored(version=8), stored(tier="head", lifecycle_stage="interest", version=9))
    assert not {e.event_id for e in first} & {e.event_id for e in other_write}
    other_fan = outgoing.fan_events(None, StoredFan(Fan("fan-2", tier="head", version=4)), AT, 12)
    assert other_fan[0].event_id != first[0].event_id


def test_expiry_entries_become_points_expired_and_others_nothing():
    entry = LedgerEntry("fan-1", "000000000012", AT, -15, 30, "expiry", "expiry:2025-12")
    [gone] = outgoing.ledger_events(entry)
    assert (gone.detail_type, gone.occurred_at, dict(gone.change)) == (
        "PointsExpired",
        AT,
        {"month": "2025-12", "points": 15, "balance_after": 30, "entry_id": "000000000012"},
    )
    assert gone.event_id == outgoing.ledger_events(replace(entry, entry_id="000000000099"))[0].event_id  # per month
    assert outgoing.ledger_events(replace(entry, kind="checkin", delta=10, ref="2026-12-01")) == []


def test_a_redemption_is_confirmed_once():
    made = Redemption("rdm_1", "fan-1", "poster", 2, 60, "confirmed", AT, 40)
    [confirmed] = outgoing.redemption_events(None, made)
    assert dict(confirmed.change) == {
        "redemption_id": "rdm_1",
        "reward_id": "poster",
        "quantity": 2,
        "points_spent": 60,
        "balance_after": 40,
    }
    assert outgoing.redemption_events(made, replace(made, status="fulfilled")) == []
    assert outgoing.redemption_events(made, replace(made, status="cancelled")) == []
    assert outgoing.redemption_events(made, made) == []


# --- the documented schemas ---------------------------------------------------------------------


def every_kind():
    warning = DowngradeWarning("potential", date(2027, 1, 1))
    before = stored(lifecycle_stage="churned", earned_by_month={"2025-12": 9}, balance=9, version=1)
    after = stored(
        tier="active",
        tier_since=date(2026, 12, 1),
        tier_warning=warning,
        lifecycle_stage="interest",
        earned_by_month={"2025-12": 9},
        balance=9,
        expiry_notices=frozenset({"2025-12:7"}),
        version=2,
    )
    return [
        *derive(before, after),
        *outgoing.ledger_events(LedgerEntry("fan-1", "000000000003", AT, -9, 0, "expiry", "expiry:2025-12")),
        *outgoing.redemption_events(None, Redemption("rdm_1", "fan-1", "poster", 1, 0, "confirmed", AT, 0)),
    ]


def test_every_detail_type_has_a_valid_schema_and_no_schema_lacks_a_type():
    assert {p.name.removesuffix(".schema.json") for p in schemas.SCHEMAS.glob("*.schema.json")} == set(
        outgoing.DETAIL_TYPES
    )
    for detail_type in outgoing.DETAIL_TYPES:
        schemas.validator(detail_type)  # check_schema raises on an invalid schema


def test_every_kind_of_event_matches_its_schema():
    found = every_kind()
    assert sorted(kinds(found)) == sorted(outgoing.DETAIL_TYPES)
    for event in found:
        assert schemas.problems(event.detail_type, json.loads(json.dumps(event.detail()))) == []


@pytest.mark.parametrize(
    ("detail_type", "spoil"),
    [
        ("TierChanged", lambda d: {**d, "to": "platinum"}),
        ("TierChanged", lambda d: {k: v for k, v in d.items() if k != "event_id"}),
        ("PointsExpiring", lambda d: {**d, "days_ahead": 14}),
        ("PointsExpired", lambda d: {**d, "occurred_at": "2026-12-01 16:00"}),
        ("RedemptionConfirmed", lambda d: {**d, "quantity": "1"}),
        ("LifecycleStageChanged", lambda d: {**d, "extra": True}),
        ("TierDowngradeWarning", lambda d: {**d, "event_id": "not-a-uuid"}),
    ],
)
def test_schemas_refuse_what_consumers_could_not_rely_on(detail_type, spoil):
    [event] = [e for e in every_kind() if e.detail_type == detail_type]
    assert schemas.problems(detail_type, spoil(event.detail()))


def test_the_put_events_check_records_an_invalid_entry():
    [event] = [e for e in every_kind() if e.detail_type == "PointsExpired"]
    schemas.violations.clear()
    good = {"Source": "fan-engagement", "DetailType": "PointsExpired", "Detail": json.dumps(event.detail())}
    schemas.check_every_put({"Entries": [good]})
    assert schemas.violations == []
    schemas.check_every_put({"Entries": [{**good, "Detail": json.dumps({**event.detail(), "points": 0})}]})
    assert schemas.violations
    schemas.violations.clear()
