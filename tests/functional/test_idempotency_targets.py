"""The idempotency fingerprint covers path parameters: the same key on another fan or redemption is another request."""

from tests.support import payload, reward_body


def test_same_key_same_body_for_another_fan_is_not_a_replay(api):
    api.call("POST", "/v1/checkins", who="fan-a")
    api.call("POST", "/v1/checkins", who="fan-b")
    body = {"delta": 40, "reason": "goodwill"}
    first = api.call("POST", "/v1/admin/fans/fan-a/adjustments", who="ops", admin=True, key="k1", body=body)
    assert first.status_code == 201
    other = api.call("POST", "/v1/admin/fans/fan-b/adjustments", who="ops", admin=True, key="k1", body=body)
    # Contract: same key, different request -> 422 idempotency_key_reused. Here fan-b's request is
    # answered with fan-a's result (Idempotent-Replayed: true) and fan-b is never credited.
    assert other.status_code == 422, (other.status_code, other.headers.get("Idempotent-Replayed"), payload(other))


def test_same_key_cancel_of_another_redemption_is_not_a_replay(api):
    api.call("PUT", "/v1/admin/rewards/poster", who="ops", admin=True, body=reward_body(cost=5))
    api.call("POST", "/v1/checkins", who="fan-a")
    r1 = payload(api.call("POST", "/v1/redemptions", who="fan-a", key="x1", body={"reward_id": "poster"}))
    r2 = payload(api.call("POST", "/v1/redemptions", who="fan-a", key="x2", body={"reward_id": "poster"}))
    first = api.call("POST", f"/v1/admin/redemptions/{r1['redemption_id']}/cancel", who="ops", admin=True, key="c")
    assert first.status_code == 200
    second = api.call("POST", f"/v1/admin/redemptions/{r2['redemption_id']}/cancel", who="ops", admin=True, key="c")
    assert second.status_code == 422, (second.status_code, payload(second))
