"""The X-Ray emitter's pure parts: the trace header, the daemon address, status flags, table names."""

from chalicelib.tracing import DEFAULT_DAEMON, Parent, daemon_address, sampled_parent, status_flags, table_names


def test_sampled_header_gives_the_function_segment_as_parent():
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:0"
    assert sampled_parent(header) == Parent("1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8")


def test_unsampled_or_missing_header_traces_nothing():
    assert sampled_parent("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0") is None
    assert sampled_parent("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1") is None
    assert sampled_parent("") is None
    assert sampled_parent(None) is None


def test_daemon_address_forms():
    assert daemon_address("169.254.79.129:2000") == ("169.254.79.129", 2000)
    assert daemon_address("tcp:127.0.0.1:3000 udp:127.0.0.2:2001") == ("127.0.0.2", 2001)
    assert daemon_address(None) == DEFAULT_DAEMON
    assert daemon_address("nonsense") == DEFAULT_DAEMON


def test_status_flags_follow_xray_semantics():
    assert status_flags(200) == {"http": {"response": {"status": 200}}}
    assert status_flags(400, "ConditionalCheckFailedException")["error"] is True
    throttled = status_flags(400, "ProvisionedThroughputExceededException")
    assert throttled["throttle"] is True
    assert throttled["error"] is True
    assert status_flags(500)["fault"] is True
    assert "error" not in status_flags(503)


def test_table_names_of_single_requests_and_transactions():
    assert table_names({"TableName": "fans"}) == ["fans"]
    items = [{"Put": {"TableName": "fans"}}, {"Update": {"TableName": "rewards"}}, {"Put": {"TableName": "fans"}}]
    assert table_names({"TransactItems": items}) == ["fans", "rewards"]
    assert table_names({"RequestItems": {"ledger": []}}) == ["ledger"]
    assert table_names({}) == []
