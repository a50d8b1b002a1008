"""Evaluations, sweeps and operators racing on one alert (serialised moto): every notification is published once.

A barrier holds each racer after its read until all have read, so every one of them decides from
the same state; the version-conditioned commit lets exactly one decision count.
"""

import threading
from datetime import timedelta

import pytest

from chalicelib.domain.alerts.model import Observation
from chalicelib.persistence import alerts, outbox
from chalicelib.services import alerting
from tests.alert_support import Subscriber
from tests.concurrency.support import run_concurrently

RACERS = 6
KEY = "user:points_farming:community"


def hit(level="activate"):
    return Observation("points_farming", "user", "community", level, title="Farming", clear_period=timedelta(0))


def clear():
    return Observation("points_farming", "user", "community", None)


def all_read_first(patch, module, name, parties):
    """Each racer's first call of `module.name` returns only once every racer has made it (while `patch` lasts)."""
    barrier, original, local = threading.Barrier(parties, timeout=30), getattr(module, name), threading.local()

    def read(*args, **kwargs):
        found = original(*args, **kwargs)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()
        return found

    patch.setattr(module, name, read)


@pytest.fixture
def ops(aws):
    return Subscriber()


def test_evaluations_racing_to_raise_publish_one_notification(ops, clock, monkeypatch):
    with monkeypatch.context() as patch:
        all_read_first(patch, alerts, "latest", RACERS)
        results = run_concurrently([lambda: alerting.evaluate([hit()], clock.now) for _ in range(RACERS)])
    assert sum(r.written for r in results) == 1 and sum(r.published for r in results) == 1
    assert ops.kinds() == ["raised"]
    stored = alerts.latest(KEY)
    assert (stored.version, stored.notifications, stored.episode) == (1, 1, 1)


def test_sweeps_racing_to_escalate_publish_one_escalation(ops, clock, monkeypatch):
    alerting.evaluate([hit()], clock.now)
    clock.now += timedelta(minutes=30)
    with monkeypatch.context() as patch:
        all_read_first(patch, alerts, "open_alerts", RACERS)
        results = run_concurrently([lambda: alerting.sweep(clock.now) for _ in range(RACERS)])
    assert sum(r.decided.get("escalated", 0) for r in results) == 1
    assert ops.kinds() == ["raised", "escalated"] and alerts.latest(KEY).level == "escalate"


def test_an_operator_and_an_evaluation_resolving_at_once_publish_one_resolution(api, ops, clock, monkeypatch):
    alerting.evaluate([hit()], clock.now)
    alert_id = alerts.latest(KEY).alert_id
    clock.now += timedelta(minutes=1)
    barrier = threading.Barrier(2, timeout=30)
    read_by_id, read_by_key = alerts.get, alerts.latest  # the operator reads by id, the evaluation by key

    def then_wait(read):
        def waiting(*args):
            found = read(*args)
            barrier.wait()
            return found

        return waiting

    def operator():
        return api.call("POST", f"/v1/admin/alerts/{alert_id}/resolve", who="ops", admin=True, key="r1")

    def evaluation():
        return alerting.evaluate([clear()], clock.now)

    with monkeypatch.context() as patch:
        patch.setattr(alerts, "get", then_wait(read_by_id))
        patch.setattr(alerts, "latest", then_wait(read_by_key))
        response, _ = run_concurrently([operator, evaluation])
    assert response.status_code == 200, response.body
    assert ops.kinds() == ["raised", "resolved"] and alerts.latest(KEY).status == "resolved"
    assert outbox.unsent() == []
