"""Activity is recorded in the writes fans already make; update-lifecycle turns it into stages."""

from datetime import timedelta

from chalicelib.domain import activity as activities
from chalicelib.services import fan_update
from chalicelib.settings import get_settings
from tests.support import Platform, payload, reward_body, run_job


def activity(fan_id):
    return fan_update.read(fan_id).activity


def run_lifecycle(api, key):
    return run_job(api, "update-lifecycle", key)


def stage(api, fan):
    return payload(api.call("GET", "/v1/me", who=fan))["lifecycle_stage"]


def test_check_ins_likes_and_redemptions_are_recorded_with_no_extra_request(api, clock):
    rules = get_settings().score_rules
    assert api.call("POST", "/v1/checkins", who="fan-1").status_code == 201
    recorded = activity("fan-1")
    assert activities.score(recorded, clock.now, rules) == 1 and recorded.last_core_at == clock.now
    tiktok = Platform(api)
    tiktok.link("fan-1", "tt-1")
    for n in range(5):  # the test settings cap likes at 3 a day: the capped ones are not activity
        tiktok.engage("liked", "tt-1", f"c{n}", clock.now)
    assert activities.score(activity("fan-1"), clock.now, rules) == 1 + 3
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=5))
    assert api.call("POST", "/v1/redemptions", who="fan-1", key="r", body={"reward_id": "pin"}).status_code == 201
    assert activities.score(activity("fan-1"), clock.now, rules) == 1 + 3 + 5


def test_deferred_awards_are_recorded_when_they_settle(api, clock):
    cold = Platform(api, cold=True)
    cold.link("fan-2", "tt-2")
    cold.engage("shared", "tt-2", "c1", clock.now - timedelta(hours=2))
    recorded = activity("fan-2")
    assert recorded.last_core_at == clock.now - timedelta(hours=2) and recorded.shared_mask == 1


def test_stages_follow_activity_and_a_churned_fan_comes_back(api, clock):
    for _ in range(4):  # four active days: participation
        assert api.call("POST", "/v1/checkins", who="fan-p").status_code == 201
        clock.now += timedelta(days=1)
    assert api.call("POST", "/v1/checkins", who="fan-i").status_code == 201  # one: interest
    run = run_lifecycle(api, "l1")
    assert run["status"] == "succeeded" and run["summary"]["changed"] == 2
    assert (stage(api, "fan-p"), stage(api, "fan-i")) == ("participation", "interest")
    again = run_lifecycle(api, "l2")["summary"]  # the same day again: nothing written
    assert again == {"fans": 2, "unchanged": 2, "stage_participation": 1, "stage_interest": 1}
    clock.now += timedelta(days=31)
    run_lifecycle(api, "l3")
    me = payload(api.call("GET", "/v1/me", who="fan-i"))
    assert me["lifecycle_stage"] == "churned" and me["at_risk"] is True
    assert api.call("POST", "/v1/checkins", who="fan-i").status_code == 201  # back
    run_lifecycle(api, "l4")
    assert stage(api, "fan-i") == "interest"
