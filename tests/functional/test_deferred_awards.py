"""Awards deferred when a delivery finds nothing cached: counted at once, decided in order, written once."""

import json
from datetime import timedelta

import pytest

from chalicelib.domain import settlement
from chalicelib.persistence import reads
from chalicelib.persistence.models import FanModel, LedgerEntryModel
from chalicelib.services import caches, checkins
from chalicelib.settings import get_settings
from tests.support import deliver, ledger_entries, ledger_sum, payload, reward_body


def cold_like(api, clock, content, kind="liked", user="tt-1", minutes=0):
    """A delivery reaching a new container: nothing about the user or the fan is cached."""
    caches.clear_all()
    data = {
        "content_id": content,
        "external_user_id": user,
        "occurred_at": (clock.now + timedelta(minutes=minutes)).isoformat(),
    }
    response = deliver(api, f"engagement.{kind}", data)
    assert response.status_code == 202, response.body
    return response


def pending(fan_id):
    return len(FanModel.get(fan_id, consistent_read=True).pending or [])


def stored_entries(fan_id):
    return [(e.delta, e.ref) for e in LedgerEntryModel.query(fan_id, scan_index_forward=False, consistent_read=True)]


def ledger(api, fan_id, limit=100):
    return payload(api.call("GET", f"/v1/me/ledger?limit={limit}", who=fan_id))["items"]


def me(api, fan_id):
    return payload(api.call("GET", "/v1/me", who=fan_id))


@pytest.fixture
def linked(api):
    assert deliver(api, "account.linked", {"external_user_id": "tt-1", "fan_id": "fan-1"}).status_code == 202
    return "fan-1"


def test_a_cold_award_is_pending_yet_in_balance_and_ledger_then_written_by_the_next_fan_write(api, clock, linked):
    before = stored_entries(linked)
    cold_like(api, clock, "c1")
    assert pending(linked) == 1 and stored_entries(linked) == before  # not read, not yet in the ledger table
    assert me(api, linked)["balance"] == 1 == ledger_sum(api, linked)
    shown = ledger(api, linked)[0]
    assert (shown["delta"], shown["balance_after"], shown["ref"]) == (1, 1, "tiktok:liked:c1")
    assert api.call("POST", "/v1/checkins", who=linked).status_code == 201
    assert pending(linked) == 0
    assert stored_entries(linked)[1] == (1, "tiktok:liked:c1")
    assert [e["entry_id"] for e in ledger(api, linked)][1] == shown["entry_id"]  # same entry, same id
    assert me(api, linked)["balance"] == 1 + stored_entries(linked)[0][0] == ledger_sum(api, linked)


def test_deferred_awards_are_capped_in_order_and_explained(api, clock, linked):
    for n in range(4):  # the cap is 3 likes a day
        cold_like(api, clock, f"c{n}", minutes=n)
    assert pending(linked) == 4
    assert me(api, linked)["balance"] == 3 == ledger_sum(api, linked)
    assert [(e["delta"], e["ref"]) for e in ledger(api, linked)[:2]] == [
        (0, "tiktok:liked:c3 (capped)"),
        (1, "tiktok:liked:c2"),
    ]


@pytest.mark.parametrize("settled_first", [False, True], ids=["still pending", "written since"])
def test_undoing_a_deferred_like_takes_back_what_it_earned_not_what_it_could(api, clock, linked, settled_first):
    for n in range(4):
        cold_like(api, clock, f"c{n}", minutes=n)
    if settled_first:
        assert api.call("PATCH", "/v1/me", who=linked, body={"time_zone": "Asia/Shanghai"}).status_code == 200
        assert pending(linked) == 0
    clock.now += timedelta(minutes=10)
    cold_like(api, clock, "c3", kind="unliked")  # c3 was capped: earned nothing, so nothing to take
    assert me(api, linked)["balance"] == 3
    cold_like(api, clock, "c1", kind="unliked")
    assert me(api, linked)["balance"] == 2 == ledger_sum(api, linked)


def test_a_full_pending_list_makes_the_delivery_read_and_settle(api, clock, linked, monkeypatch):
    monkeypatch.setattr(settlement, "MAX_PENDING", 2)
    for n in range(2):
        cold_like(api, clock, f"c{n}", kind="commented", minutes=n)  # cap 2 comments a day
    assert pending(linked) == 2
    cold_like(api, clock, "c2", kind="commented", minutes=2)
    assert pending(linked) == 0
    assert [ref for _, ref in stored_entries(linked)[:3]] == [
        "tiktok:commented:c2 (capped)",
        "tiktok:commented:c1",
        "tiktok:commented:c0",
    ]
    assert me(api, linked)["balance"] == 6 == ledger_sum(api, linked)


def test_ledger_pages_run_through_pending_then_stored_entries_once_each(api, clock, linked):
    assert api.call("POST", "/v1/checkins", who=linked).status_code == 201
    for n in range(3):
        cold_like(api, clock, f"c{n}", minutes=n)
    seen = ledger_entries(api, linked, limit=1)
    ids = [e["entry_id"] for e in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids) == 4
    assert [e["balance_after"] for e in seen] == [me(api, linked)["balance"] - n for n in range(4)]


def test_deferred_points_can_be_spent_and_the_spend_writes_them(api, clock, linked):
    for n in range(2):
        cold_like(api, clock, f"s{n}", kind="shared", minutes=n)  # 5 points each
    api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=10))
    assert api.call("POST", "/v1/redemptions", who=linked, key="k1", body={"reward_id": "pin"}).status_code == 201
    assert pending(linked) == 0
    assert [delta for delta, _ in stored_entries(linked)[:3]] == [-10, 5, 5]
    assert [ref for _, ref in stored_entries(linked)[1:3]] == ["tiktok:shared:s1", "tiktok:shared:s0"]
    assert me(api, linked)["balance"] == 0 == ledger_sum(api, linked)


def test_a_ledger_page_keeps_its_order_when_writes_land_between_its_two_reads(api, clock, linked, monkeypatch):
    for n in range(3):
        cold_like(api, clock, f"c{n}", minutes=n)
    read_fan = reads.fan

    def fan_then_two_check_ins(fan_id):
        found = read_fan(fan_id)
        monkeypatch.setattr(reads, "fan", read_fan)
        for _ in range(2):  # these settle the pending awards and add newer entries
            checkins.check_in(fan_id, clock.now)
            clock.now += timedelta(days=1)
        return found

    monkeypatch.setattr(reads, "fan", fan_then_two_check_ins)
    first = payload(api.call("GET", "/v1/me/ledger?limit=2", who=linked))
    assert pending(linked) == 0
    rest = payload(api.call("GET", f"/v1/me/ledger?limit=100&cursor={first['next_cursor']}", who=linked))
    ids = [e["entry_id"] for e in first["items"] + rest["items"]]
    stored = LedgerEntryModel.query(linked, scan_index_forward=False, consistent_read=True)
    assert ids == [e.entry_id for e in stored]  # every entry once, newest first


def test_undoing_a_deferred_like_after_its_price_changed_takes_back_what_it_earned(api, clock, linked, monkeypatch):
    cold_like(api, clock, "c1")
    clock.now += timedelta(minutes=1)
    cold_like(api, clock, "c1", kind="unliked")
    clock.now += timedelta(minutes=1)
    cold_like(api, clock, "c1")  # deferred again, priced at 1 point
    assert pending(linked) == 1 and me(api, linked)["balance"] == 1
    monkeypatch.setenv("ENGAGEMENT_RULES", json.dumps({"points": {"liked": 0}}))
    get_settings.cache_clear()
    try:
        assert me(api, linked)["balance"] == 1  # settled at the price it was deferred with
        clock.now += timedelta(minutes=1)
        cold_like(api, clock, "c1", kind="unliked")
        assert me(api, linked)["balance"] == 0 == ledger_sum(api, linked)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
