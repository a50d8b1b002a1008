"""account.linked confirms "already linked" with a versioned write, never from a stale cached fan."""

from tests.support import Platform, payload


def test_relink_from_a_stale_cache_leaves_a_link_the_fan_does_not_show(api, clock):
    from chalicelib.persistence import links
    from chalicelib.services import fan_cache, identity_cache

    tiktok = Platform(api)
    tiktok.link("fan-1", "old")
    stale = fan_cache.get("fan-1")  # this container's view: fan-1 linked to "old"
    assert stale is not None and stale.linked_accounts == {"tiktok": "old"}

    # An operator unlinks "old" (served by another container).
    assert api.call("DELETE", "/v1/admin/links/tiktok/old", who="ops", admin=True).status_code == 200
    # Back on the first container, whose caches still hold the state from before the unlink.
    fan_cache.clear()
    identity_cache.clear()
    fan_cache.remember(stale)

    tiktok.link("fan-1", "old")  # the platform vouches again
    profile = payload(api.call("GET", "/v1/me", who="fan-1"))
    stored_link = links.linked_fan("tiktok", "old")
    # Either both say linked or neither does; here the link item exists but the profile does not list it.
    assert (stored_link == "fan-1") == bool(profile["linked_accounts"]), (stored_link, profile["linked_accounts"])


def test_stale_relink_then_new_link_leaves_two_live_accounts_on_one_platform(api, clock):
    from chalicelib.persistence import links
    from chalicelib.services import fan_cache, identity_cache

    tiktok = Platform(api)
    tiktok.link("fan-1", "old")
    stale = fan_cache.get("fan-1")
    assert api.call("DELETE", "/v1/admin/links/tiktok/old", who="ops", admin=True).status_code == 200
    fan_cache.clear()
    identity_cache.clear()
    fan_cache.remember(stale)
    tiktok.link("fan-1", "old")
    tiktok.link("fan-1", "new")  # replaces the fan's account on tiktok: "old" should be unlinked
    assert links.linked_fan("tiktok", "new") == "fan-1"
    assert links.linked_fan("tiktok", "old") is None, "two tiktok accounts now earn for fan-1"
