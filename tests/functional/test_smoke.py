from tests.functional.conftest import payload


def test_first_checkin(api):
    r = api.call("POST", "/v1/checkins", who="fan-1")
    assert r.status_code == 201, r.body
    assert payload(r)["points_awarded"] == 10
    r = api.call("POST", "/v1/checkins", who="fan-1")
    assert r.status_code == 200, r.body
