"""recalculate-tiers over fans with different activity: exact cut-offs by rank, promotions written once."""

from zoneinfo import ZoneInfo

from chalicelib.services import fan_update
from tests.support import Platform, payload, run_job

FANS = [f"fan-{n:02d}" for n in range(20)]


def act(api, clock, tiktok, fan, actions):
    """`actions` scoring units: check-in 1, likes 1 each (3 a day), comments 3 each (2), shares 5 each (2)."""
    kinds = (["checkin"] + ["liked"] * 3 + ["commented"] * 2 + ["shared"] * 2)[:actions]
    for n, kind in enumerate(kinds):
        if kind == "checkin":
            assert api.call("POST", "/v1/checkins", who=fan).status_code == 201
        else:
            tiktok.engage(kind, f"tt-{fan}", f"c-{fan}-{n}", clock.now)


def recalculate(api, key):
    return run_job(api, "recalculate-tiers", key)


def test_a_daily_run_promotes_by_rank_and_a_rerun_writes_nothing(api, clock):
    before = api.call("GET", "/v1/admin/segments", who="ops", admin=True)
    assert before.status_code == 404 and payload(before)["code"] == "segments_not_calculated"
    tiktok = Platform(api)
    for n, fan in enumerate(FANS):
        tiktok.link(fan, f"tt-{fan}")
        act(api, clock, tiktok, fan, n % 9)  # scores 0..20, repeating: ties at the cut-offs
    run = recalculate(api, "t1")
    assert run["status"] == "succeeded"
    tiers = {fan: payload(api.call("GET", "/v1/me", who=fan))["tier"] for fan in FANS}
    counts = {tier: sum(1 for t in tiers.values() if t == tier) for tier in ("head", "active", "potential", "silent")}
    assert run["summary"]["tier_head"] == counts["head"] and run["summary"]["fans"] == 20
    # scores 20,20,15,15,10,10,7,7,4,4,3,3,2,2,1,1,1,0,0,0: rank 1 is 20 (two tied), rank 5 is 10, rank 11 is 3
    assert counts == {"head": 2, "active": 4, "potential": 6, "silent": 8}
    top = payload(api.call("GET", "/v1/me", who="fan-08"))
    run_day = clock.now.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert top["tier"] == "head" and top["tier_since"] == run_day
    shown = payload(api.call("GET", "/v1/admin/segments", who="ops", admin=True))
    assert shown["run_id"] == run["run_id"] and shown["fans"] == 20 and shown["tiers"] == counts
    assert shown["cutoffs"] == {"head": 20, "active": 10, "potential": 3}
    assert shown["changes"] == {"promoted": 12, "demoted": 0, "held_by_hysteresis": 0}
    idle = [fan for n, fan in enumerate(FANS) if n % 9 == 0]
    assert all(tiers[fan] == "silent" for fan in idle)  # score 0 is always silent
    assert run["summary"]["promoted"] == 20 - counts["silent"]
    versions = {fan: fan_update.read(fan).version for fan in FANS}
    again = recalculate(api, "t2")
    assert again["summary"].get("promoted", 0) == 0 and "demoted" not in again["summary"]
    assert {fan: fan_update.read(fan).version for fan in FANS} == versions  # nothing written the second time


def test_profile_progress_is_measured_against_the_latest_cut_offs(api, clock):
    tiktok = Platform(api)
    for n, fan in enumerate(FANS):
        tiktok.link(fan, f"tt-{fan}")
        act(api, clock, tiktok, fan, n % 9)
    recalculate(api, "p1")
    # entry cut-offs 20 / 10 / 3; exit (7.5%, 30%, 60% of 20 fans: ranks 2, 6, 12) 20 / 10 / 3
    progress = {fan: payload(api.call("GET", "/v1/me", who=fan))["tier_progress"] for fan in FANS}
    assert progress["fan-07"] == {
        "score": 15,
        "next_tier": "head",
        "score_to_next": 5,
        "score_to_keep": 5,
        "downgrade_warning": None,
    }
    assert progress["fan-08"] == {
        "score": 20,
        "next_tier": None,
        "score_to_next": None,
        "score_to_keep": 0,
        "downgrade_warning": None,
    }
    assert progress["fan-00"] == {
        "score": 0,
        "next_tier": "potential",
        "score_to_next": 3,
        "score_to_keep": None,
        "downgrade_warning": None,
    }
    admin_view = payload(api.call("GET", "/v1/admin/fans/fan-07", who="ops", admin=True))["tier_progress"]
    assert admin_view == progress["fan-07"]
