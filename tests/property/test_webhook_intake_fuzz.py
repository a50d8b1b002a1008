"""Any request to the webhook intake — headers, bytes, JSON, validly signed JSON — is answered without a 5xx,
and every 4xx is an RFC 9457 problem document.

Deterministic (derandomized) and bounded, so it runs in a few seconds as part of `make test`.
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.domain.platform_events import DATA_TYPES
from tests.support import TIKTOK_SECRETS, Clock, payload, signed

NOW = Clock().now
SIGNED_SECRETS = [TIKTOK_SECRETS[0], TIKTOK_SECRETS[1], "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="]
PLATFORMS = st.just("tiktok") | st.sampled_from(["tiktok", "youtube", "unknown", "x" * 65])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
plausible = st.sampled_from(["tt-1", "tt-2", "fan-1", "fan-2", "c1", "c2", "low", "high", "spam", 0.5, 1])
field_values = st.one_of(
    plausible,
    st.integers(-600, 600).map(lambda s: (NOW + timedelta(seconds=s)).isoformat()),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=300),
    st.integers(),
    st.none(),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.floats(),
    json_values,
)
known_envelopes = st.builds(
    lambda kind, data: {"type": kind, "data": data},
    st.sampled_from([*DATA_TYPES, "engagement.unliked", "unknown.kind"]),
    st.dictionaries(
        st.sampled_from(
            [
                "external_user_id",
                "fan_id",
                "content_id",
                "occurred_at",
                "published_at",
                "completion",
                "reason",
                "severity",
                "title",
            ]
        ),
        field_values,
        min_size=2,
    ),
)
ids = st.sampled_from(["tt-1", "tt-2", "fan-1", "fan-2", "c1", "c2"])
times = st.integers(-600, 600).map(lambda s: (NOW + timedelta(seconds=s)).isoformat())
well_formed_envelopes = st.builds(
    lambda kind, data: {"type": kind, "data": data},
    st.sampled_from(list(DATA_TYPES)),
    st.fixed_dictionaries(
        {
            "external_user_id": ids,
            "fan_id": ids,
            "content_id": ids,
            "occurred_at": times,
            "published_at": times,
            "reason": st.text(min_size=1, max_size=20),
            "severity": st.sampled_from(["low", "medium", "high"]),
        },
        optional={"completion": st.floats(0, 1), "title": st.text(max_size=20)},
    ),
)
json_bodies = st.one_of(json_values, known_envelopes, well_formed_envelopes).map(lambda v: json.dumps(v).encode())
timestamps = st.one_of(
    st.text(max_size=30),
    st.integers().map(str),
    st.text(alphabet="0123456789", min_size=15, max_size=40),
    st.sampled_from(["²", "\uff11\uff12", "+1", "-0", " 1", "1e9", "253402300800"]),
)
optional = {
    "webhook-id": st.text(max_size=300),
    "webhook-timestamp": timestamps,
    "webhook-signature": st.one_of(st.text(max_size=100), st.binary(max_size=40).map(lambda b: "v1," + b.hex())),
    "Content-Type": st.sampled_from(["application/json", "application/problem+json", "text/plain", "", "json"])
    | st.text(max_size=30),
}
free_headers = st.fixed_dictionaries({}, optional=optional)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str], bytes]:
    platform = draw(PLATFORMS)
    mode = draw(st.sampled_from(["bytes", "json", "signed", "signed", "signed-then-tampered"]))
    if mode == "bytes":
        return platform, draw(free_headers), draw(st.binary(max_size=2000))
    body = draw(json_bodies)
    if mode == "json":
        return platform, draw(free_headers), body
    skew = timedelta(seconds=draw(st.integers(-400, 400)))
    webhook_id = draw(st.uuids().map(lambda u: f"msg_{u.hex}") | st.text(min_size=1, max_size=300))
    headers = signed(body, webhook_id, NOW + skew, draw(st.sampled_from(SIGNED_SECRETS)))
    headers["Content-Type"] = draw(st.sampled_from(["application/json", "application/json; charset=utf-8"]))
    if mode == "signed-then-tampered":
        headers.update(draw(free_headers))
    return platform, headers, body


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_webhook_intake_never_answers_5xx(api, clock, data):
    assert clock.now == NOW
    platform, headers, body = data.draw(requests())
    response = api.client.http.request("POST", f"/v1/webhooks/{platform}", headers=headers, body=body)
    event(f"status {response.status_code}")
    assert response.status_code < 500, (response.status_code, response.body)
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = payload(response)
        assert problem["status"] == response.status_code
        assert {"type", "title", "detail", "code"} <= problem.keys()
    else:
        assert response.status_code in (200, 202)
        assert payload(response)["status"] in ("accepted", "duplicate")
