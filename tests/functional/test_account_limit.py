"""A fan's own content stays their own however many accounts they link: past the limit a link is refused."""

from tests.support import Platform, balance, payload


def test_accounts_past_the_limit_are_refused_so_own_content_stays_own(api, clock):
    tiktok = Platform(api)
    tiktok.link("fan-1", "acct-0")
    tiktok.publish("acct-0", "my-post", clock.now)
    earned = balance(api, "fan-1")
    for n in range(1, 21):  # 20 accounts replaced: all remembered
        tiktok.link("fan-1", f"acct-{n}")
    refused = tiktok.send("account.linked", {"external_user_id": "acct-21", "fan_id": "fan-1"}, expect=409)
    assert payload(refused)["code"] == "account_limit_reached"
    tiktok.engage("liked", "acct-20", "my-post", clock.now)
    assert balance(api, "fan-1") == earned  # liking one's own post earns nothing
    assert payload(api.call("GET", "/v1/me", who="fan-1"))["linked_accounts"][0]["external_user_id"] == "acct-20"
