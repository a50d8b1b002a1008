"""Segment messages: what a run's start and its workers send, and what a worker refuses to act on."""

import json

import pytest

from chalicelib.domain.jobs import MalformedTask, SegmentTask


def test_a_task_survives_its_message():
    task = SegmentTask("recalculate-tiers", "2026-12-01", "measure", 31)
    assert SegmentTask.parse(task.message()) == task
    fields = {"job": "recalculate-tiers", "run_id": "2026-12-01", "phase": "measure", "segment": 31}
    assert json.loads(task.message()) == fields


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[]",
        "null",
        '{"job": "j", "run_id": "r", "phase": "apply"}',
        '{"job": "j", "run_id": "r", "phase": "apply", "segment": 0, "extra": 1}',
        '{"job": 1, "run_id": "r", "phase": "apply", "segment": 0}',
        '{"job": "j", "run_id": null, "phase": "apply", "segment": 0}',
        '{"job": "j", "run_id": "r", "phase": "sweep", "segment": 0}',
        '{"job": "j", "run_id": "r", "phase": "apply", "segment": -1}',
        '{"job": "j", "run_id": "r", "phase": "apply", "segment": "3"}',
        '{"job": "j", "run_id": "r", "phase": "apply", "segment": 1.0}',
        '{"job": "j", "run_id": "r", "phase": "apply", "segment": true}',
    ],
)
def test_a_message_no_run_could_have_sent_is_malformed(body):
    with pytest.raises(MalformedTask):
        SegmentTask.parse(body)
