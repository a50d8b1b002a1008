"""X-Ray documents reach a daemon (a UDP socket on loopback) for a traced handler and its DynamoDB calls."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore import handlers
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib import tracing

ROOT, FUNCTION_SEGMENT = "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8"


@pytest.fixture
def daemon(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2)
        monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", f"127.0.0.1:{sock.getsockname()[1]}")
        monkeypatch.setattr(handlers, "BUILTIN_HANDLERS", list(handlers.BUILTIN_HANDLERS))
        yield sock


def received(sock: socket.socket, count: int) -> list[dict[str, Any]]:
    documents = []
    for _ in range(count):
        header, body = sock.recv(65536).split(b"\n", 1)
        assert json.loads(header) == {"format": "json", "version": 1}
        documents.append(json.loads(body))
    return documents


def dynamodb() -> Any:
    client = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="traced",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def test_handler_and_sdk_calls_become_subsegments_of_the_function_segment(daemon, monkeypatch):
    tracer = tracing.install("fan-engagement")
    with mock_aws():
        client = dynamodb()
        monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={FUNCTION_SEGMENT};Sampled=1")

        def handler(event: Any, context: Any) -> None:
            client.get_item(TableName="traced", Key={"pk": {"S": "a"}})
            put = {"TableName": "traced", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_exists(pk)"}
            with pytest.raises(ClientError):
                client.transact_write_items(TransactItems=[{"Put": put}])

        tracer.capture_handler(handler)({}, None)
        tracer.capture_handler(lambda event, context: None)({}, None)
        get, transact, first, second = received(daemon, 4)

    assert first["name"] == "## handler"
    assert (first["trace_id"], first["parent_id"], first["type"]) == (ROOT, FUNCTION_SEGMENT, "subsegment")
    assert first["annotations"] == {"ColdStart": True, "Service": "fan-engagement"}
    assert second["annotations"]["ColdStart"] is False
    assert get["parent_id"] == transact["parent_id"] == first["id"]
    assert get["namespace"] == "aws"
    assert get["aws"]["operation"] == "GetItem"
    assert get["aws"]["table_name"] == "traced"
    assert get["aws"]["region"] == "us-east-1"
    assert get["http"]["response"]["status"] == 200
    assert first["start_time"] <= get["start_time"] <= get["end_time"] <= first["end_time"]
    assert transact["aws"]["operation"] == "TransactWriteItems"
    assert transact["error"] is True
    assert transact["cause"]["exceptions"][0]["type"] == "TransactionCanceledException"


def test_a_raising_handler_is_a_fault(daemon, monkeypatch):
    tracer = tracing.install("fan-engagement")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={FUNCTION_SEGMENT};Sampled=1")

    def handler(event: Any, context: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        tracer.capture_handler(handler)({}, None)
    (document,) = received(daemon, 1)
    assert document["fault"] is True
    assert document["cause"]["exceptions"][0]["type"] == "RuntimeError"


def test_unsampled_invocations_send_nothing(daemon, monkeypatch):
    tracer = tracing.install("fan-engagement")
    with mock_aws():
        client = dynamodb()
        monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={FUNCTION_SEGMENT};Sampled=0")
        tracer.capture_handler(lambda event, context: client.get_item(TableName="traced", Key={"pk": {"S": "a"}}))(
            {}, None
        )
    daemon.settimeout(0.2)
    with pytest.raises(TimeoutError):
        daemon.recv(65536)
