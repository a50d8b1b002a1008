"""The sample deliveries in events/webhooks/ (what `make webhook` sends) cover every type and are accepted."""

from __future__ import annotations

from chalicelib.domain.platform_events import DATA_TYPES
from tests.support import deliver, ledger_sum, payload
from tools import devwebhooks

STORY = (
    "account.linked",
    "engagement.viewed",
    "engagement.liked",
    "engagement.commented",
    "engagement.shared",
    "engagement.unliked",
    "content.published",
    "content.flagged",
    "content.deleted",
)


def test_there_is_one_sample_per_event_type_and_it_names_its_type():
    files = {p.stem for p in devwebhooks.SAMPLES.glob("*.json")}
    assert files == set(DATA_TYPES) == set(STORY)
    for event_type in files:
        assert devwebhooks.sample(event_type)["type"] == event_type


def test_every_sample_is_accepted_and_tells_the_story_its_banner_promises(api, clock):
    earned = []
    for event_type in STORY:
        body = devwebhooks.sample(event_type, clock.now)
        response = deliver(api, event_type, body["data"])  # type: ignore[arg-type]
        assert response.status_code == 202, (event_type, response.body)
        earned.append(payload(api.call("GET", "/v1/me", who="fan-alice"))["balance"])
    viewed, liked, commented, shared, unliked, published, _, deleted = earned[1:]
    assert 0 < viewed < liked < commented < shared  # the linked fan earns for each engagement
    assert unliked == shared - (liked - viewed)  # the unlike takes back exactly the like's points
    assert published > unliked and deleted == unliked  # deleting the post takes its points back
    assert ledger_sum(api, "fan-alice") == deleted
    flagged = payload(api.call("GET", "/v1/admin/content/tiktok/tt-video-7", who="ops", admin=True))
    assert flagged["flag"]["severity"] == "high"


def test_samples_keep_their_own_times_unless_asked():
    kept = devwebhooks.sample("engagement.liked")
    assert kept["data"]["occurred_at"] == "2026-11-22T18:31:05+08:00"  # type: ignore[index]
