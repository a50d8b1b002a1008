"""Incident-to-alert matching: which notification answers an incident, and which raised alerts are false."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from backtest import matching
from backtest.report import Incident, Notification

START = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def incident(kind: str = "checkin_ring", start: datetime = START, minutes: int = 60) -> Incident:
    expected = matching.EXPECTED[kind].category
    return Incident(f"01-{kind}", kind, start, start + timedelta(minutes=minutes), 12, expected)


def note(
    at: datetime, rule: str = "checkin_rings", category: str = "user", level: str = "warning", kind: str = "raised"
) -> Notification:
    return Notification(f"{category}:{rule}:community", rule, category, level, kind, at)  # type: ignore[arg-type]


def test_the_first_answering_notification_gives_the_minutes_and_the_highest_level_wins() -> None:
    found = matching.outcome(
        incident(),
        [
            note(START + timedelta(minutes=40), level="escalate", kind="escalated"),
            note(START + timedelta(minutes=5)),
            note(START + timedelta(minutes=90), level="activate", kind="resolved"),
        ],
    )
    assert (found.alerted, found.level, found.minutes_to_alert) == (True, "escalate", 5.0)


def test_wrong_category_rule_or_time_does_not_answer() -> None:
    wrong = [
        note(START + timedelta(minutes=3), category="content"),  # right rule name, wrong category
        note(START + timedelta(minutes=3), rule="points_farming"),  # another user rule
        note(START - timedelta(minutes=1)),  # before the incident began
        note(START + timedelta(minutes=60) + matching.EXPECTED["checkin_ring"].explains + timedelta(seconds=1)),
        note(START + timedelta(minutes=3), kind="resolved"),  # a resolution is not an alert
    ]
    found = matching.outcome(incident(), wrong)
    assert (found.alerted, found.level, found.minutes_to_alert) == (False, None, None)


def test_on_target_per_kind() -> None:
    ring = incident()
    assert matching.on_target(ring, matching.outcome(ring, [note(START + timedelta(minutes=5))]))
    assert not matching.on_target(ring, matching.outcome(ring, [note(START + timedelta(minutes=10))]))
    drop = incident("kpi_drop", minutes=240)
    late = note(START + timedelta(minutes=55), rule="kpi_drop", category="operations")
    assert matching.on_target(drop, matching.outcome(drop, [late]))
    churn = incident("churn_spike", minutes=360)
    next_day = note(START + timedelta(hours=6, minutes=30) + timedelta(days=5, hours=20), rule="churn_spike")
    assert matching.on_target(churn, matching.outcome(churn, [next_day]), churned_after=timedelta(days=5))
    assert not matching.on_target(churn, matching.outcome(churn, [next_day]))


def test_false_alerts_are_unexplained_raises_counted_in_their_local_week() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    first_day = date(2026, 3, 2)
    notifications = [
        note(START + timedelta(minutes=5)),  # answers the ring
        note(START + timedelta(minutes=30), kind="repeated"),  # a repeat is not a new alert
        note(datetime(2026, 3, 4, 1, 0, tzinfo=UTC), rule="points_farming"),  # week 1, nothing injected
        # 2026-03-08 23:30 UTC is 2026-03-09 07:30 in Shanghai: the second week
        note(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), rule="kpi_drop", category="operations"),
        note(datetime(2026, 3, 9, 1, 0, tzinfo=UTC), rule="kpi_drop", category="operations", kind="resolved"),
    ]
    weeks = matching.false_alerts([incident()], notifications, first_day, 10, zone)
    assert [(w.week_start, w.count, w.dedup_keys) for w in weeks] == [
        (date(2026, 3, 2), 1, ("user:points_farming:community",)),
        (date(2026, 3, 9), 1, ("operations:kpi_drop:community",)),
    ]
    assert matching.false_per_week(weeks, 14) == 1.0


def test_every_incident_kind_has_an_expectation_with_a_known_category() -> None:
    from backtest.report import CATEGORIES
    from backtest.scenario import INCIDENT_KINDS
    from chalicelib.domain.risk.catalog import RULES

    for kind in INCIDENT_KINDS:
        expected = matching.EXPECTED[kind]
        assert expected.category in CATEGORIES
        assert all(RULES[rule].category == expected.category for rule in expected.rules)


def test_a_churn_spikes_kpi_drop_is_explained_but_does_not_answer_it() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    churn = incident("churn_spike", minutes=360)
    drop = note(START + timedelta(days=2), rule="kpi_drop", category="operations")
    other = note(START + timedelta(days=2), rule="stock_out", category="operations")
    weeks = matching.false_alerts([churn], [drop, other], START.date(), 14, zone)
    assert [key for week in weeks for key in week.dedup_keys] == [other.dedup_key]
    assert not matching.outcome(churn, [drop]).alerted
    before = note(START - timedelta(minutes=5), rule="kpi_drop", category="operations")
    assert sum(w.count for w in matching.false_alerts([churn], [before], START.date(), 14, zone)) == 1
