"""Outgoing domain events: derived from the tables' streams, published on the bus once per change, with stable ids."""

from tests.support import payload, reward_body


def redeem(api, fan_id, reward_id, key):
    response = api.call("POST", "/v1/redemptions", who=fan_id, key=key, body={"reward_id": reward_id})
    assert response.status_code == 201, response.body
    return payload(response)


def test_a_redemption_through_the_route_is_confirmed_on_the_bus(api, streams):
    assert api.call("PUT", "/v1/admin/rewards/pin", who="ops", admin=True, body=reward_body(cost=0)).status_code == 201
    api.call("POST", "/v1/checkins", who="fan-r")
    redemption = redeem(api, "fan-r", "pin", "k1")
    events = streams.drain()
    print(events)
