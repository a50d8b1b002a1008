"""The deployed infrastructure agrees with the code: tables with the models, IAM with the tables and queues.

Tests run with TABLE_PREFIX=test, so deployed names are recomputed with the dev stage's prefix
from .chalice/config.json rather than read from the models.
"""

from __future__ import annotations

import json
import re
import subprocess
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.api.problems import PROBLEM_JSON, PROBLEM_TYPE_BASE
from chalicelib.persistence.models import ALL_MODELS
from chalicelib.services import job_worker
from chalicelib.settings import get_settings, load_settings
from tests import iam
from tests.iam import allows
from tools import package_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = json.loads((ROOT / "infra" / "resources.json").read_text())
POLICY: dict[str, Any] = json.loads((ROOT / ".chalice" / "policy-dev.json").read_text())
STREAMS_POLICY: dict[str, Any] = json.loads((ROOT / ".chalice" / "policy-streams.json").read_text())
WORKER_POLICY: dict[str, Any] = json.loads((ROOT / ".chalice" / "policy-dev-worker.json").read_text())
ALERTS_POLICY: dict[str, Any] = json.loads((ROOT / ".chalice" / "policy-alerts.json").read_text())
CONFIG: dict[str, Any] = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEV = CONFIG["stages"]["dev"]
DEPLOYED = load_settings({"TABLE_PREFIX": DEV["environment_variables"]["TABLE_PREFIX"]})
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
# Chalice's logical ids for the app's Lambdas; the stream handlers' by the table whose stream they read.
STREAM_FUNCTIONS = {
    "FansStream": "FansTable",
    "LedgerStream": "LedgerTable",
    "RedemptionsStream": "RedemptionsTable",
    "DeliveriesStream": "WebhookDeliveriesTable",
}
FUNCTIONS = ("APIHandler", "JwtAuth", "RunDueJobs", "WorkJobSegments", "AlarmStateChanged", "AlertSweep", "RiskScan")
FUNCTIONS += tuple(STREAM_FUNCTIONS)
TABLES: dict[str, dict[str, Any]] = {
    r["Properties"]["TableName"]: r for r in RESOURCES.values() if r.get("Type") == "AWS::DynamoDB::Table"
}
ACCOUNT_ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"


def entity(model: type[Model]) -> str:
    """The entity suffix of a model's table name, under whatever prefix this process runs with."""
    prefix = f"{get_settings().table_prefix}-"
    assert model.Meta.table_name.startswith(prefix)
    return model.Meta.table_name[len(prefix) :]


def deployed_name(model: type[Model]) -> str:
    return DEPLOYED.table_name(entity(model))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def unordered(items: list[dict[str, Any]]) -> set[tuple[tuple[str, Any], ...]]:
    return {tuple(sorted(item.items())) for item in items}


def model_ids() -> list[str]:
    return [m.__name__ for m in ALL_MODELS]


# --- tables -----------------------------------------------------------------------------------


def test_dev_stage_uses_the_prefix_the_template_was_written_for():
    assert DEV["environment_variables"]["TABLE_PREFIX"] == "fan-engagement-dev"
    assert DEV["autogen_policy"] is False
    assert DEV["iam_policy_file"] == "policy-dev.json"


@pytest.mark.parametrize("model", ALL_MODELS, ids=model_ids())
def test_every_model_has_a_table_with_the_same_keys_and_indexes(model):
    name = deployed_name(model)
    assert name in TABLES, f"{model.__name__}: no table {name} in infra/resources.json"
    props = TABLES[name]["Properties"]
    schema = model._get_schema()  # exactly what tables.create_all() sends to moto in tests

    assert unordered(props["KeySchema"]) == unordered(schema["key_schema"])
    assert unordered(props["AttributeDefinitions"]) == unordered(schema["attribute_definitions"])

    expected_gsis = {
        gsi["index_name"]: (unordered(gsi["key_schema"]), gsi["projection"])
        for gsi in schema["global_secondary_indexes"]
    }
    actual_gsis = {
        gsi["IndexName"]: (unordered(gsi["KeySchema"]), gsi["Projection"])
        for gsi in props.get("GlobalSecondaryIndexes", [])
    }
    assert actual_gsis == expected_gsis
    assert not schema["local_secondary_indexes"] and "LocalSecondaryIndexes" not in props


@pytest.mark.parametrize("model", ALL_MODELS, ids=model_ids())
def test_ttl_is_enabled_exactly_on_the_models_ttl_attribute(model):
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    spec = TABLES[deployed_name(model)]["Properties"].get("TimeToLiveSpecification")
    if ttl:
        assert spec == {"AttributeName": ttl[0], "Enabled": True}
    else:
        assert spec is None


def test_idempotency_records_expire_on_ttl():
    assert TABLES[DEPLOYED.table_name("idempotency")]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "ttl",
        "Enabled": True,
    }


def test_no_table_lacks_a_model():
    assert set(TABLES) == {deployed_name(m) for m in ALL_MODELS}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tables_are_on_demand_encrypted_recoverable_and_retained(name):
    table = TABLES[name]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in props
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


# --- IAM --------------------------------------------------------------------------------------


def dynamodb_statements() -> list[dict[str, Any]]:
    return [
        s
        for s in [*POLICY["Statement"], *WORKER_POLICY["Statement"], *ALERTS_POLICY["Statement"]]
        if any(a == "*" or a.lower().startswith("dynamodb:") for a in as_list(s.get("Action", [])))
    ]


def table_arn(name: str) -> str:
    return ACCOUNT_ARN.format(service="dynamodb", resource=f"table/{name}")


def test_dynamodb_statements_name_concrete_actions_on_named_tables():
    """Which actions on which table is derived from the app's calls in tests/functional/test_iam_policy.py."""
    statements = dynamodb_statements()
    assert statements
    granted = {a for s in statements for a in as_list(s["Action"])}
    assert granted <= iam.DYNAMODB_ACTIONS, f"wildcard or unknown DynamoDB actions: {granted - iam.DYNAMODB_ACTIONS}"
    known = {table_arn(name) for name in TABLES} | {
        f"{table_arn(name)}/index/{gsi['IndexName']}"
        for name, table in TABLES.items()
        for gsi in table["Properties"].get("GlobalSecondaryIndexes", [])
    }
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert "table/*" not in resource and not resource.endswith("-*"), resource
            assert any(fnmatchcase(arn, resource) for arn in known), f"{resource} names no table in the template"


def policy_of(function: str) -> dict[str, Any]:
    """The policy file Chalice gives a function's role: its own `iam_policy_file`, else the stage's."""
    handler = RESOURCES[function]["Properties"]["FunctionName"].removeprefix(f"{CONFIG['app_name']}-dev-")
    name = DEV.get("lambda_functions", {}).get(handler, {}).get("iam_policy_file", DEV["iam_policy_file"])
    return dict(json.loads((ROOT / ".chalice" / name).read_text()))


def test_policy_lets_each_function_write_its_own_logs_only():
    log_groups = [r["Properties"]["LogGroupName"] for r in RESOURCES.values() if r.get("Type") == "AWS::Logs::LogGroup"]
    function_names = {RESOURCES[f]["Properties"]["FunctionName"] for f in FUNCTIONS}
    assert set(log_groups) == {f"/aws/lambda/{name}" for name in function_names}
    for function in FUNCTIONS:
        policy = policy_of(function)
        group_arn = ACCOUNT_ARN.format(
            service="logs", resource=f"log-group:/aws/lambda/{RESOURCES[function]['Properties']['FunctionName']}"
        )
        stream_arn = f"{group_arn}:log-stream:2026/11/22/[$LATEST]0123456789abcdef"
        assert allows("logs:CreateLogGroup", group_arn, policy)
        assert allows("logs:CreateLogStream", stream_arn, policy)
        assert allows("logs:PutLogEvents", stream_arn, policy)
        other = ACCOUNT_ARN.format(service="logs", resource="log-group:/aws/lambda/other")
        assert not allows("logs:PutLogEvents", other, policy)


def test_policy_lets_the_api_read_only_its_own_webhook_secrets_parameter():
    name = DEV["environment_variables"]["WEBHOOK_SECRETS_PARAMETER"]
    assert name.startswith("/")
    parameter = ACCOUNT_ARN.format(service="ssm", resource=f"parameter{name}")
    assert allows("ssm:GetParameter", parameter)
    assert not allows("ssm:GetParameter", ACCOUNT_ARN.format(service="ssm", resource="parameter/other/secret"))
    assert not allows("ssm:PutParameter", parameter)


@pytest.mark.parametrize(
    "policy", [POLICY, STREAMS_POLICY, WORKER_POLICY, ALERTS_POLICY], ids=["dev", "streams", "worker", "alerts"]
)
def test_policy_allows_xray_segments(policy):
    assert allows("xray:PutTraceSegments", "*", policy)
    assert allows("xray:PutTelemetryRecords", "*", policy)


# --- API Gateway responses --------------------------------------------------------------------

GATEWAY_RESPONSES: dict[str, Any] = RESOURCES["RestAPI"]["Properties"]["GatewayResponses"]


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("UNAUTHORIZED", 401, "unauthorized"),
        ("ACCESS_DENIED", 403, "forbidden"),
        ("DEFAULT_4XX", 400, "bad_request"),
        ("DEFAULT_5XX", 500, "internal_error"),
    ],
)
def test_required_gateway_responses(response_type, status, code):
    body = json.loads(GATEWAY_RESPONSES[response_type]["ResponseTemplates"]["application/json"])
    assert (body["status"], body["code"]) == (status, code)


@pytest.mark.parametrize("response_type", sorted(GATEWAY_RESPONSES))
def test_gateway_responses_are_problem_details_matching_their_status(response_type):
    response = GATEWAY_RESPONSES[response_type]
    # SAM accepts only these keys (it rejects the template otherwise; cfn-lint does not check them).
    assert set(response) <= {"ResponseParameters", "ResponseTemplates", "StatusCode"}
    assert set(response["ResponseParameters"]) <= {"Headers", "Paths", "QueryStrings"}
    headers = response["ResponseParameters"]["Headers"]
    assert headers["Content-Type"] == f"'{PROBLEM_JSON}'"
    assert all(v.startswith("'") and v.endswith("'") for v in headers.values()), "static values need quotes"
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert body["type"] == PROBLEM_TYPE_BASE + body["code"]
    assert str(body["status"]) == response["StatusCode"]


def test_unauthorized_names_the_scheme():
    assert GATEWAY_RESPONSES["UNAUTHORIZED"]["ResponseParameters"]["Headers"]["WWW-Authenticate"] == "'Bearer'"


# --- alarms -----------------------------------------------------------------------------------


def test_api_alarm_watches_this_api_and_stage():
    dims = {d["Name"]: d["Value"] for d in RESOURCES["Api5xxAlarm"]["Properties"]["Dimensions"]}
    # A SAM Api without Name takes its name from the definition's title, which Chalice sets to app_name.
    assert dims == {"ApiName": CONFIG["app_name"], "Stage": DEV["api_gateway_stage"]}


def test_throttle_alarm_watches_the_fans_table():
    metrics = RESOURCES["FansTableThrottleAlarm"]["Properties"]["Metrics"]
    tables = {d["Value"]["Ref"] for m in metrics if "MetricStat" in m for d in m["MetricStat"]["Metric"]["Dimensions"]}
    assert tables == {"FansTable"}
    assert RESOURCES["FansTable"]["Properties"]["TableName"] == DEPLOYED.table_name("fans")


def test_failed_job_runs_alarm_watches_the_metric_the_tick_emits():
    """`count("JobRunsFailed")` lands on the Metrics object: the stage's namespace, dimension `service` only."""
    props = RESOURCES["JobRunsFailedAlarm"]["Properties"]
    env = {**CONFIG["environment_variables"], **DEV["environment_variables"]}
    assert props["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert props["MetricName"] == "JobRunsFailed"
    assert props["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


# --- scheduled function -----------------------------------------------------------------------


def test_event_functions_are_named_as_chalice_names_them_and_the_tick_may_run_a_whole_run():
    """Chalice names an event Lambda `<app>-<stage>-<handler>`; the fixed names must agree with it."""
    import app as application

    handlers = {f.name for f in application.app.event_sources}
    streams = {"fans_stream", "ledger_stream", "redemptions_stream", "deliveries_stream"}
    scheduled = {"run_due_jobs", "alert_sweep", "risk_scan"}
    assert handlers == {"work_job_segments", "alarm_state_changed", *scheduled, *streams}
    for logical, handler in [
        ("RunDueJobs", "run_due_jobs"),
        ("WorkJobSegments", "work_job_segments"),
        ("AlarmStateChanged", "alarm_state_changed"),
        ("AlertSweep", "alert_sweep"),
        ("RiskScan", "risk_scan"),
        *((logical, f"{logical.removesuffix('Stream').lower()}_stream") for logical in STREAM_FUNCTIONS),
    ]:
        assert RESOURCES[logical]["Properties"]["FunctionName"] == f"{CONFIG['app_name']}-dev-{handler}"


# --- the job-segment queue and its worker -----------------------------------------------------

QUEUE = RESOURCES["JobSegmentsQueue"]["Properties"]
DEAD_LETTER = RESOURCES["JobSegmentsDeadLetterQueue"]["Properties"]
QUEUE_ARN, DEAD_LETTER_ARN = iam.queue_arn(QUEUE["QueueName"]), iam.queue_arn(DEAD_LETTER["QueueName"])
WORKER = DEV["lambda_functions"]["work_job_segments"]


def test_the_tick_only_enqueues_and_the_worker_stops_before_its_timeout():
    assert DEV["lambda_functions"]["run_due_jobs"]["lambda_timeout"] <= 300  # runs go to the queue, not worked here
    assert WORKER["lambda_timeout"] / 4 > job_worker.RESERVE  # most of an invocation sweeps
    assert WORKER["lambda_memory_size"] >= 1769  # one full vCPU: decoding items is CPU-bound


def test_the_worker_has_a_role_of_its_own():
    assert iam.policy_file("work_job_segments") == "policy-dev-worker.json"
    others = [f for f in FUNCTIONS if f != "WorkJobSegments"]
    assert all(policy_of(f) != WORKER_POLICY for f in others)
    assert policy_of("APIHandler") == policy_of("RunDueJobs") == POLICY  # the tick and the operator route enqueue


def test_the_worker_is_triggered_by_the_queue_one_segment_at_a_time_and_reports_failed_items():
    from chalice.app import SQSEventConfig
    from chalice.utils import to_cfn_resource_name

    import app as application

    [source] = [s for s in application.app.event_sources if isinstance(s, SQSEventConfig)]
    assert source.name == "work_job_segments"
    assert source.queue == QUEUE["QueueName"] == application.JOB_SEGMENTS_QUEUE and source.queue_arn is None
    assert source.batch_size == 1 and source.maximum_batching_window_in_seconds == 0
    assert source.maximum_concurrency == application.JOB_WORKERS == DEPLOYED.job_segments  # a worker a segment
    event = to_cfn_resource_name(f"{source.name}-sqs-event-source")  # how Chalice names the function's event
    merged = RESOURCES["WorkJobSegments"]["Properties"]["Events"]
    assert merged == {event: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}}


def test_a_message_outlives_a_worker_then_goes_to_the_dead_letter_queue_after_the_receives_the_app_expects():
    assert QUEUE["VisibilityTimeout"] >= 6 * WORKER["lambda_timeout"]  # AWS's advice for SQS event sources
    claim = WORKER["lambda_timeout"] + job_worker.SKEW.total_seconds()  # a deployed worker's longest claim
    assert claim < QUEUE["VisibilityTimeout"]  # so a killed worker's message returns to a free segment
    redrive = QUEUE["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobSegmentsDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] == DEPLOYED.job_queue_max_receives  # the worker fails its run on the last
    assert DEAD_LETTER["MessageRetentionPeriod"] == 14 * 24 * 3600 > QUEUE["MessageRetentionPeriod"]
    assert QUEUE["SqsManagedSseEnabled"] is DEAD_LETTER["SqsManagedSseEnabled"] is True


def test_the_functions_that_enqueue_get_the_queues_url_and_the_others_do_not():
    for function in FUNCTIONS:
        variables = RESOURCES[function]["Properties"].get("Environment", {}).get("Variables", {})
        enqueues = function in ("APIHandler", "RunDueJobs", "WorkJobSegments")
        assert variables.get("JOB_QUEUE_URL") == ({"Ref": "JobSegmentsQueue"} if enqueues else None), function


def test_only_the_worker_may_receive_and_delete_segments_and_nothing_touches_the_dead_letter_queue():
    assert allows("sqs:SendMessage", QUEUE_ARN, POLICY) and allows("sqs:SendMessage", QUEUE_ARN, WORKER_POLICY)
    for action in iam.EVENT_SOURCE_ACTIONS:
        assert allows(action, QUEUE_ARN, WORKER_POLICY) and not allows(action, QUEUE_ARN, POLICY)
    policies = (POLICY, WORKER_POLICY, STREAMS_POLICY, ALERTS_POLICY)
    assert not any(allows(a, DEAD_LETTER_ARN, p) for a in iam.SQS_ACTIONS for p in policies)
    for statement in [*POLICY["Statement"], *WORKER_POLICY["Statement"]]:
        if any(a.startswith("sqs:") for a in as_list(statement["Action"])):
            assert set(as_list(statement["Action"])) <= iam.SQS_ACTIONS
            assert as_list(statement["Resource"]) == ["arn:aws:sqs:*:*:fan-engagement-dev-job-segments"]


def test_the_dead_letter_and_backlog_alarms_watch_the_queues():
    dead = RESOURCES["JobSegmentsDeadLetterAlarm"]["Properties"]
    assert (dead["Namespace"], dead["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    dead_letter_name = {"Fn::GetAtt": ["JobSegmentsDeadLetterQueue", "QueueName"]}
    assert dead["Dimensions"] == [{"Name": "QueueName", "Value": dead_letter_name}]
    assert (dead["Threshold"], dead["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    backlog = RESOURCES["JobSegmentsBacklogAlarm"]["Properties"]
    assert backlog["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobSegmentsQueue", "QueueName"]}}]
    assert backlog["MetricName"] == "ApproximateAgeOfOldestMessage" and backlog["Threshold"] <= 15 * 60


# --- streams and outgoing events --------------------------------------------------------------

STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


@pytest.mark.parametrize("model", ALL_MODELS, ids=model_ids())
def test_streams_are_on_exactly_where_the_models_turn_them_on(model):
    spec = TABLES[deployed_name(model)]["Properties"].get("StreamSpecification")
    view = getattr(model.Meta, "stream_view_type", None)
    assert spec == ({"StreamViewType": view} if view else None)


def stream_handlers() -> dict[str, Any]:
    from chalice.app import DynamoDBEventConfig

    import app as application

    return {s.name: s for s in application.app.event_sources if isinstance(s, DynamoDBEventConfig)}


TABLES_BY_ID = {
    logical: r["Properties"]["TableName"] for logical, r in RESOURCES.items() if r.get("Type") == "AWS::DynamoDB::Table"
}


@pytest.mark.parametrize(("function", "table"), sorted(STREAM_FUNCTIONS.items()))
def test_each_stream_mapping_reads_its_tables_stream_and_reports_failed_records(function, table):
    props = RESOURCES[function]["Properties"]
    handler = props["FunctionName"].removeprefix(f"{CONFIG['app_name']}-dev-")
    declared = stream_handlers()[handler]
    entity = TABLES_BY_ID[table].removeprefix(f"{DEPLOYED.table_prefix}-")
    assert f":table/{get_settings().table_name(entity)}/stream/" in declared.stream_arn
    [(name, source)] = props["Events"].items()
    assert name == f"{function}DynamodbEventSource"  # the key Chalice gives the handler's event source
    mapping = source["Properties"]
    assert mapping["Stream"] == {"Fn::GetAtt": [table, "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10_000
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] < 24 * 3600  # given up before the stream trims it
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["StreamFailuresQueue", "Arn"]}}
    }
    assert declared.starting_position == "TRIM_HORIZON"  # a new mapping loses nothing written before it existed


@pytest.mark.parametrize("function", sorted(STREAM_FUNCTIONS))
def test_each_stream_function_has_an_iterator_age_alarm(function):
    props = RESOURCES[f"{function}IteratorAgeAlarm"]["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/Lambda", "IteratorAge", "Maximum")
    assert props["Dimensions"] == [{"Name": "FunctionName", "Value": RESOURCES[function]["Properties"]["FunctionName"]}]
    assert props["Threshold"] * props["EvaluationPeriods"] > 0


def test_the_bus_is_the_one_events_are_published_to():
    assert RESOURCES["EventBus"]["Type"] == "AWS::Events::EventBus"
    assert RESOURCES["EventBus"]["Properties"]["Name"] == DEPLOYED.event_bus == "fan-engagement-dev-events"


def test_given_up_batches_land_in_a_queue_that_alarms():
    queue = RESOURCES["StreamFailuresQueue"]
    assert queue["Type"] == "AWS::SQS::Queue" and queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = RESOURCES["StreamFailuresAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["StreamFailuresQueue", "QueueName"]}}]


COUNTING = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}  # checkpoint read, one transaction


def test_counted_streams_name_their_shard_through_a_tumbling_window():
    """Lambda puts `shardId` in the event only with a tumbling window; the counters checkpoint per shard."""
    for function in STREAM_FUNCTIONS:
        [source] = RESOURCES[function]["Properties"]["Events"].values()
        assert 0 < source["Properties"]["TumblingWindowInSeconds"] <= 900


def test_stream_functions_have_their_own_least_privilege_policy():
    for function in STREAM_FUNCTIONS:
        handler = RESOURCES[function]["Properties"]["FunctionName"].removeprefix(f"{CONFIG['app_name']}-dev-")
        assert DEV["lambda_functions"][handler] == {"iam_policy_file": "policy-streams.json"}
    bus = ACCOUNT_ARN.format(service="events", resource=f"event-bus/{DEPLOYED.event_bus}")
    failures = ACCOUNT_ARN.format(service="sqs", resource=RESOURCES["StreamFailuresQueue"]["Properties"]["QueueName"])
    read = {}
    counters = f"{DEPLOYED.table_prefix}-counters"
    for name in TABLES:
        stream = f"{table_arn(name)}/stream/2026-11-22T00:00:00.000"
        read[name] = {a for a in STREAM_READ | iam.DYNAMODB_ACTIONS if allows(a, stream, STREAMS_POLICY)}
        on_table = {a for a in iam.DYNAMODB_ACTIONS if allows(a, table_arn(name), STREAMS_POLICY)}
        assert on_table == (COUNTING if name == counters else set()), name
    streamed = {name for name, t in TABLES.items() if "StreamSpecification" in t["Properties"]}
    assert {name for name, actions in read.items() if actions} == streamed
    assert all(read[name] == STREAM_READ for name in streamed)
    assert allows("events:PutEvents", bus, STREAMS_POLICY)
    assert not allows(
        "events:PutEvents", ACCOUNT_ARN.format(service="events", resource="event-bus/default"), STREAMS_POLICY
    )
    assert allows("sqs:SendMessage", failures, STREAMS_POLICY)
    assert not allows("sqs:SendMessage", ACCOUNT_ARN.format(service="sqs", resource="other"), STREAMS_POLICY)
    granted = {a for s in STREAMS_POLICY["Statement"] for a in as_list(s["Action"])}
    assert granted == STREAM_READ | COUNTING | {
        "events:PutEvents",
        "sqs:SendMessage",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }


def test_the_apis_policy_cannot_publish_events_or_read_streams():
    bus = ACCOUNT_ARN.format(service="events", resource=f"event-bus/{DEPLOYED.event_bus}")
    assert not allows("events:PutEvents", bus)
    assert not any(allows(a, f"{table_arn(name)}/stream/x") for name in TABLES for a in STREAM_READ)


# --- alerts -----------------------------------------------------------------------------------


def test_functions_that_publish_alerts_get_the_topic_from_the_template():
    topic = RESOURCES["AlertsTopic"]
    assert topic["Type"] == "AWS::SNS::Topic" and topic["Properties"]["TopicName"] == "fan-engagement-dev-alerts"
    for function in ("APIHandler", "RunDueJobs", "AlarmStateChanged", "AlertSweep"):
        variables = RESOURCES[function]["Properties"]["Environment"]["Variables"]
        assert variables["ALERTS_TOPIC_ARN"] == {"Ref": "AlertsTopic"}, function


@pytest.mark.parametrize("policy", [POLICY, ALERTS_POLICY], ids=["dev", "alerts"])
def test_policy_lets_the_functions_publish_to_the_alerts_topic_only(policy):
    topic = ACCOUNT_ARN.format(service="sns", resource=RESOURCES["AlertsTopic"]["Properties"]["TopicName"])
    assert allows("sns:Publish", topic, policy)
    assert not allows("sns:Publish", ACCOUNT_ARN.format(service="sns", resource="another-topic"), policy)
    assert not allows("sns:Subscribe", topic, policy) and not allows("sns:CreateTopic", topic, policy)


def test_the_alert_functions_share_a_role_that_cannot_touch_fans_or_publish_events():
    for function in ("AlarmStateChanged", "AlertSweep", "RiskScan"):
        assert policy_of(function) == ALERTS_POLICY, function
    fans, ledger = table_arn(f"{DEPLOYED.table_prefix}-fans"), table_arn(f"{DEPLOYED.table_prefix}-ledger")
    assert not any(allows(a, arn, ALERTS_POLICY) for a in iam.DYNAMODB_ACTIONS for arn in (fans, ledger))
    bus = ACCOUNT_ARN.format(service="events", resource=f"event-bus/{DEPLOYED.event_bus}")
    assert not allows("events:PutEvents", bus, ALERTS_POLICY)


def test_every_alarm_is_named_for_the_stage_and_reaches_the_alarm_function_with_a_runbook():
    """The rule's pattern takes this stage's alarms by name prefix; each alarm has its level and runbook anchor."""
    import app as application
    from chalicelib.domain.alerts import technical

    pattern = RESOURCES["AlarmStateChanged"]["Properties"]["Events"]["AlarmStateChangedEvent"]["Properties"]["Pattern"]
    [prefix] = [p["prefix"] for p in pattern["detail"]["alarmName"]]
    assert prefix == f"{CONFIG['app_name']}-dev-"
    assert application.ALARM_STATE_CHANGES["detail-type"] == ["CloudWatch Alarm State Change"]
    alarms = {name: r for name, r in RESOURCES.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}
    assert alarms
    for logical, alarm in alarms.items():
        assert alarm["Properties"]["AlarmName"] == prefix + logical
        assert "AlarmActions" not in alarm["Properties"]  # EventBridge carries every state change
        assert technical.known(alarm["Properties"]["AlarmName"]) is technical.ALARMS[logical]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = (line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("#"))
    return {re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_technical_runbook_link_has_its_section():
    from chalicelib.domain.alerts import technical

    anchors = _anchors((ROOT / technical.RUNBOOKS).read_text())
    for alarm in (*technical.ALARMS.values(), technical.UNKNOWN):
        assert alarm.anchor in anchors, alarm.anchor
    assert "alert-lifecycle" in anchors


# --- packaging --------------------------------------------------------------------------------


def test_only_chalices_resources_are_extended_without_a_type():
    assert {name for name, r in RESOURCES.items() if "Type" not in r} == {*FUNCTIONS, "RestAPI"}


def test_untyped_function_events_are_reported():
    events = {"WorkJobSegmentsSqsEventSource": {"Type": "SQS"}, "Renamed": {"Properties": {}}}
    merged = {"Resources": {"Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Events": events}}}}
    assert package_template.untyped_events(merged) == ["Worker.Renamed"]


def test_untyped_resources_are_reported():
    merged = {"Resources": {"RestAPI": {"Type": "AWS::Serverless::Api"}, "RestApi": {"Properties": {}}}}
    assert package_template.untyped_resources(merged) == ["RestApi"]


def test_package_command_merges_infra_with_the_dev_stage(tmp_path):
    command = package_template.package_command(tmp_path)
    assert Path(command[0]).name == "chalice"
    assert command[1:] == ["package", "--stage", "dev", "--merge-template", "infra/resources.json", str(tmp_path)]
    assert (ROOT / command[5]).is_file()


def test_failed_packaging_exits_non_zero_with_a_message(monkeypatch, tmp_path, capsys):
    def fail(command, **kwargs):
        return subprocess.CompletedProcess(command, 2)

    monkeypatch.setattr(package_template, "chalice_executable", lambda: Path("/bin/chalice"))
    monkeypatch.setattr(package_template.subprocess, "run", fail)
    assert package_template.main([str(tmp_path)]) == 1
    assert "chalice package failed with exit status 2" in capsys.readouterr().err


def test_missing_chalice_is_reported(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(package_template.sys, "executable", str(tmp_path / "python"))
    assert package_template.main([str(tmp_path / "out")]) == 1
    assert "chalice not found" in capsys.readouterr().err
