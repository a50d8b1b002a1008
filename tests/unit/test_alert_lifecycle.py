"""The alert state machine (domain/alerts/lifecycle.py) without storage: every transition at chosen instants."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.alerts import lifecycle
from chalicelib.domain.alerts.model import AlertPolicy, Observation, Silence
from chalicelib.domain.errors import AlertResolved

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
POLICY = AlertPolicy()
MIN = timedelta(minutes=1)


def hit(level="warning", rule="points_farming", category="user", **kwargs):
    return Observation(rule, category, "community", level, title="Farming", summary="3 fans", runbook="r#x", **kwargs)


def clear(rule="points_farming", category="user", **kwargs):
    return Observation(rule, category, "community", None, **kwargs)


class Timeline:
    """One dedup key's alert as successive evaluations leave it, with every published notification."""

    def __init__(self, policy=POLICY):
        self.alert = None
        self.policy = policy
        self.published = []
        self.silences = ()
        self.technical_open = False

    def at(self, when, observation=None):
        circumstances = lifecycle.Circumstances(when, self.policy, tuple(self.silences), self.technical_open)
        transition = lifecycle.step(self.alert, observation, circumstances)
        if transition.alert is not self.alert:
            assert transition.alert.version == (
                self.alert.version + 1 if self.alert and self.alert.alert_id == transition.alert.alert_id else 1
            )
        self.alert = transition.alert
        if transition.notification:
            self.published.append(transition.notification)
        return transition

    @property
    def kinds(self):
        return [n.kind for n in self.published]


def test_raised_only_after_the_condition_held_for_the_pending_period():
    line = Timeline()
    line.at(T0, hit(pending=10 * MIN))
    assert line.alert.status == "pending" and line.kinds == []
    line.at(T0 + 9 * MIN, hit(pending=10 * MIN))
    assert line.alert.status == "pending" and line.kinds == []
    line.at(T0 + 10 * MIN, hit(pending=10 * MIN))
    assert line.alert.status == "open" and line.kinds == ["raised"]
    raised = line.published[0]
    assert raised.alert.first_seen_at == T0 and raised.alert.raised_at == T0 + 10 * MIN
    assert raised.notification_id == f"{raised.alert.alert_id}.{raised.alert.version}"


def test_a_condition_that_clears_before_its_pending_period_raises_nothing_and_starts_over():
    line = Timeline()
    line.at(T0, hit(pending=10 * MIN))
    line.at(T0 + 5 * MIN, clear())
    line.at(T0 + 12 * MIN, hit(pending=10 * MIN))
    assert line.alert.status == "pending" and line.kinds == []
    line.at(T0 + 21 * MIN, hit(pending=10 * MIN))
    assert line.alert.status == "pending"
    line.at(T0 + 22 * MIN, hit(pending=10 * MIN))
    assert line.kinds == ["raised"] and line.alert.first_seen_at == T0 + 12 * MIN


def test_time_alone_never_confirms_a_pending_condition():
    line = Timeline()
    line.at(T0, hit(pending=10 * MIN))
    line.at(T0 + 60 * MIN)  # a sweep: nothing observed
    assert line.alert.status == "pending" and line.kinds == []


def test_no_pending_period_raises_at_the_first_hit_and_a_clear_without_an_alert_writes_nothing():
    line = Timeline()
    transition = line.at(T0, clear())
    assert transition.alert is None
    line.at(T0, hit())
    assert line.kinds == ["raised"] and line.alert.level == "warning"


def test_a_rising_level_notifies_escalated_and_a_falling_one_keeps_the_level_quietly():
    line = Timeline()
    line.at(T0, hit("warning"))
    line.at(T0 + MIN, hit("activate"))
    assert line.kinds == ["raised", "escalated"] and line.alert.level == "activate"
    line.at(T0 + 2 * MIN, hit("warning"))
    assert line.kinds == ["raised", "escalated"] and (line.alert.level, line.alert.observed) == ("activate", "warning")


def test_repeats_follow_the_interval_and_stop_at_five_per_level():
    line = Timeline()
    line.at(T0, hit("warning", repeat_interval=60 * MIN))
    for minutes in range(30, 12 * 60, 30):  # a sweep every 30 minutes for 12 hours
        line.at(T0 + minutes * MIN)
    assert line.kinds == ["raised"] + ["repeated"] * 5
    assert [n.at - T0 for n in line.published[1:]] == [timedelta(hours=h) for h in range(1, 6)]
    line.at(T0 + 13 * 60 * MIN, hit("escalate", repeat_interval=60 * MIN))
    line.at(T0 + 14 * 60 * MIN, hit("escalate", repeat_interval=60 * MIN))
    assert line.kinds[-2:] == ["escalated", "repeated"]  # a new level has its own five


def test_the_default_repeat_interval_depends_on_the_level():
    line = Timeline()
    line.at(T0, hit("warning"))
    line.at(T0 + 23 * 60 * MIN)
    assert line.kinds == ["raised"]
    line.at(T0 + 24 * 60 * MIN)
    assert line.kinds == ["raised", "repeated"]


def test_an_unacknowledged_activate_escalates_after_thirty_minutes_once():
    line = Timeline()
    line.at(T0, hit("activate"))
    line.at(T0 + 29 * MIN)
    assert line.kinds == ["raised"]
    line.at(T0 + 30 * MIN)
    assert line.kinds == ["raised", "escalated"] and line.alert.level == "escalate"
    escalated = line.published[-1]
    assert (escalated.alert.level, escalated.alert.status) == ("escalate", "open")
    line.at(T0 + 31 * MIN)
    assert line.kinds == ["raised", "escalated"]


def test_the_escalation_delay_is_the_policys():
    line = Timeline(replace(POLICY, escalate_after=5 * MIN))
    line.at(T0, hit("activate"))
    line.at(T0 + 5 * MIN)
    assert line.kinds == ["raised", "escalated"]


def test_acknowledging_stops_repeats_and_escalation_but_not_a_worse_observation():
    line = Timeline()
    line.at(T0, hit("activate", repeat_interval=10 * MIN))
    line.alert = lifecycle.acknowledge(line.alert, "ops-1", T0 + MIN)
    assert (line.alert.status, line.alert.acknowledged_by) == ("acknowledged", "ops-1")
    for minutes in range(5, 300, 5):
        line.at(T0 + minutes * MIN)
    assert line.kinds == ["raised"] and line.alert.level == "activate"
    line.at(T0 + 300 * MIN, hit("escalate"))
    assert line.kinds == ["raised", "escalated"] and line.alert.status == "acknowledged"


def test_acknowledging_twice_changes_nothing_and_a_resolved_alert_cannot_be_acknowledged():
    line = Timeline()
    line.at(T0, hit())
    once = lifecycle.acknowledge(line.alert, "ops-1", T0)
    assert lifecycle.acknowledge(once, "ops-2", T0 + MIN) is once
    resolved = lifecycle.resolve(once, "ops-1", T0 + 2 * MIN).alert
    with pytest.raises(AlertResolved):
        lifecycle.acknowledge(resolved, "ops-1", T0 + 3 * MIN)


def test_resolved_once_after_the_condition_stayed_clear_for_the_clear_period():
    line = Timeline()
    line.at(T0, hit(clear_period=30 * MIN))
    line.at(T0 + 10 * MIN, clear())
    line.at(T0 + 30 * MIN, clear())
    assert line.alert.status == "open"
    line.at(T0 + 40 * MIN, clear())
    assert line.kinds == ["raised", "resolved"] and line.alert.resolved_at == T0 + 40 * MIN
    for minutes in (50, 60, 600):
        line.at(T0 + minutes * MIN, clear())
        line.at(T0 + minutes * MIN)
    assert line.kinds == ["raised", "resolved"]


def test_a_hit_while_clearing_starts_the_clear_period_again():
    line = Timeline()
    line.at(T0, hit(clear_period=30 * MIN))
    line.at(T0 + 10 * MIN, clear())
    line.at(T0 + 20 * MIN, hit(clear_period=30 * MIN))
    line.at(T0 + 30 * MIN, clear())
    line.at(T0 + 59 * MIN)
    assert line.alert.status == "open"
    line.at(T0 + 60 * MIN)  # clear since +30: a sweep resolves it, nothing having been seen since
    assert line.kinds == ["raised", "resolved"]


def test_a_holding_observation_keeps_a_raised_alert_and_raises_nothing():
    line = Timeline()
    line.at(T0, hit(clear_period=30 * MIN))
    for minutes in (10, 40, 70):
        line.at(T0 + minutes * MIN, clear(holds=True))
        line.at(T0 + minutes * MIN)
    assert line.alert.status == "open" and line.alert.clear_since is None and line.kinds == ["raised"]
    line.at(T0 + 80 * MIN, clear())  # recovered: the clear period starts now
    line.at(T0 + 95 * MIN, clear(holds=True))  # hovering again does not stop a clearing alert
    line.at(T0 + 110 * MIN, clear())
    assert line.kinds == ["raised", "resolved"]
    assert Timeline().at(T0, clear(holds=True)).alert is None
    pending = Timeline()
    pending.at(T0, hit(pending=10 * MIN))
    pending.at(T0 + 5 * MIN, clear(holds=True))
    pending.at(T0 + 12 * MIN, hit(pending=10 * MIN))
    assert pending.alert.status == "pending" and pending.kinds == []  # the pending period starts over


def test_the_operator_resolves_once():
    line = Timeline()
    line.at(T0, hit())
    first = lifecycle.resolve(line.alert, "ops-1", T0 + MIN)
    assert first.notification.kind == "resolved" and first.alert.resolved_by == "ops-1"
    assert first.alert.notifications == 2
    again = lifecycle.resolve(first.alert, "ops-2", T0 + 2 * MIN)
    assert again.notification is None and again.alert is first.alert


def test_after_resolution_the_next_hit_is_a_new_alert():
    line = Timeline()
    line.at(T0, hit())
    first_id = line.alert.alert_id
    line.alert = lifecycle.resolve(line.alert, "ops-1", T0 + MIN).alert
    line.at(T0 + 2 * MIN, hit())
    assert line.alert.alert_id != first_id and line.alert.episode == 2 and line.alert.version == 1
    assert line.alert.dedup_key == "user:points_farming:community"


def test_a_silenced_alert_is_recorded_not_published_and_announced_when_the_silence_ends():
    line = Timeline()
    line.silences = [Silence("sil_1", "user", None, T0 + 60 * MIN, "known issue", "ops-1", T0)]
    line.at(T0, hit("activate", repeat_interval=20 * MIN))
    assert line.alert.status == "open" and line.kinds == [] and (line.alert.muted, line.alert.notifications) == (1, 0)
    line.at(T0 + 30 * MIN)  # escalated by time while silenced: recorded only
    assert line.kinds == [] and line.alert.level == "escalate" and line.alert.muted == 2
    line.at(T0 + 61 * MIN)
    assert line.kinds == ["raised"] and line.published[0].alert.level == "escalate"


def test_silences_match_on_every_matcher_given():
    line = Timeline()
    line.silences = [
        Silence("sil_1", "user", "other_rule", T0 + 60 * MIN, "r", "ops", T0),
        Silence("sil_2", "content", None, T0 + 60 * MIN, "r", "ops", T0),
        Silence("sil_3", None, "points_farming", T0 - MIN, "ended", "ops", T0 - 60 * MIN),
    ]
    line.at(T0, hit())
    assert line.kinds == ["raised"]
    line.silences = [Silence("sil_4", None, "points_farming", T0 + 25 * 60 * MIN, "r", "ops", T0)]
    transition = line.at(T0 + 24 * 60 * MIN)
    assert transition.decided == "repeated" and transition.muted_by == "silence sil_4" and line.kinds == ["raised"]


def test_an_alert_never_published_resolves_without_a_notification():
    line = Timeline()
    line.silences = [Silence("sil_1", "user", None, T0 + 600 * MIN, "r", "ops", T0)]
    line.at(T0, hit(clear_period=0 * MIN))
    line.at(T0 + MIN, clear(clear_period=0 * MIN))
    assert line.alert.status == "resolved" and line.kinds == []


def test_a_silence_begun_after_the_raise_does_not_withhold_the_resolution():
    line = Timeline()
    line.at(T0, hit(clear_period=0 * MIN))
    line.silences = [Silence("sil_1", "user", None, T0 + 600 * MIN, "r", "ops", T0)]
    line.at(T0 + MIN, clear())
    assert line.kinds == ["raised", "resolved"]


def test_symptoms_are_held_while_a_technical_alert_is_open_and_announced_after():
    line = Timeline()
    line.technical_open = True
    line.at(T0, hit("activate", rule="kpi_drop_dau", category="operations", inhibited_by_technical=True))
    assert line.kinds == [] and line.alert.muted == 1
    line.technical_open = False
    line.at(T0 + 5 * MIN)
    assert line.kinds == ["raised"]


def test_only_marked_rules_are_held_and_technical_alerts_never_are():
    for observation in (hit("activate"), hit("activate", rule="Api5xxAlarm", category="technical")):
        line = Timeline()
        line.technical_open = True
        line.at(T0, observation)
        assert line.kinds == ["raised"]


def test_a_held_symptom_that_clears_during_the_outage_is_never_published():
    line = Timeline()
    line.technical_open = True
    symptom = {"rule": "churn_spike", "inhibited_by_technical": True, "clear_period": 0 * MIN}
    line.at(T0, hit(**symptom))
    line.at(T0 + 10 * MIN, clear(rule="churn_spike"))
    line.technical_open = False
    line.at(T0 + 20 * MIN)
    assert line.alert.status == "resolved" and line.kinds == []


def test_an_observation_older_than_the_alerts_last_is_ignored():
    line = Timeline()
    line.at(T0, hit(clear_period=0 * MIN, observed_at=T0))
    line.at(T0 + 2 * MIN, clear(clear_period=0 * MIN, observed_at=T0 + 2 * MIN))
    assert line.alert.status == "resolved"
    late = line.at(T0 + 3 * MIN, hit(observed_at=T0 + MIN))  # the ALARM before the OK, delivered after it
    assert late.alert is line.alert and line.alert.status == "resolved" and line.kinds == ["raised", "resolved"]


def test_an_observation_time_ahead_of_the_clock_counts_as_now():
    line = Timeline()
    line.at(T0, hit(observed_at=T0 + 5 * MIN))
    assert line.kinds == ["raised"] and line.alert.observed_at == T0


def test_nothing_new_and_nothing_due_leaves_the_same_state_unwritten():
    line = Timeline()
    line.at(T0, hit())
    before = line.alert
    assert line.at(T0 + MIN).alert is before
    assert line.at(T0 + 2 * MIN, hit()).alert is before  # the same hit again: nothing to store
