"""A forged cursor never reaches DynamoDB: its parts are checked, so an empty key is a 400, not a 500."""

import base64
import hashlib

from botocore.exceptions import ClientError


def test_forged_cursor_with_empty_entry_id_is_a_400_not_a_storage_error(api):
    from chalicelib.persistence.connection import register_hook, unregister_hook

    def like_dynamodb(params, **_):
        start = params.get("ExclusiveStartKey") or {}
        if any(v.get("S") == "" for v in start.values()):
            raise ClientError(
                {"Error": {"Code": "ValidationException", "Message": "empty key attribute value"}}, "Query"
            )

    api.call("POST", "/v1/checkins", who="fan-1")
    prefix = f"le:{hashlib.sha256(b'fan-1').hexdigest()[:16]}:"  # anyone can compute their own prefix
    cursor = base64.urlsafe_b64encode(prefix.encode()).decode().rstrip("=")
    register_hook("before-parameter-build.dynamodb.Query", like_dynamodb)
    try:
        response = api.call("GET", f"/v1/me/ledger?cursor={cursor}", who="fan-1")
    finally:
        unregister_hook("before-parameter-build.dynamodb.Query", like_dynamodb)
    assert response.status_code == 400, (response.status_code, response.body)
