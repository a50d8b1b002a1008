"""What a cold Lambda receives for its first request, for `bench.coldstart`'s "import + first request" rows.

Standard library only and nothing at import beyond two small functions and a class, so that
importing it adds nothing measurable to the fresh interpreter it runs in.
"""

from __future__ import annotations

from typing import Any

HEALTH_PATH = "/v1/health"


def health_event() -> dict[str, Any]:
    """An API Gateway (REST, proxy) event for `GET /v1/health`, as Lambda passes it to the API function."""
    return {
        "resource": HEALTH_PATH,
        "path": HEALTH_PATH,
        "httpMethod": "GET",
        "headers": {"Host": "example.execute-api.us-east-1.amazonaws.com", "Accept": "application/json"},
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": HEALTH_PATH,
            "httpMethod": "GET",
            "path": f"/v{HEALTH_PATH}",
            "stage": "v",
            "apiId": "example",
            "requestId": "bench-cold-request",
            "identity": {"sourceIp": "127.0.0.1"},
        },
    }


class Context:
    """The attributes of Lambda's context object that Chalice and the Powertools logger read."""

    function_name = "fan-engagement-dev"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fan-engagement-dev"
    aws_request_id = "bench-cold-invocation"
    log_group_name = "/aws/lambda/fan-engagement-dev"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def health_query(table_prefix: str) -> dict[str, Any]:
    """The request `GET /v1/health` sends (`reads.ping`: count fans under a key that never exists, limit 1)."""
    return {
        "TableName": f"{table_prefix}-fans",
        "KeyConditionExpression": "#0 = :0",
        "ExpressionAttributeNames": {"#0": "fan_id"},
        "ExpressionAttributeValues": {":0": {"S": "__health__"}},
        "Select": "COUNT",
        "Limit": 1,
    }
