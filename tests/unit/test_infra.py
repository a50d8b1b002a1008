"""The deployed infrastructure agrees with the code: tables with the models, IAM with the tables and queues.

Tests run with TABLE_PREFIX=test, so deployed names are recomputed with the dev stage's prefix
from .chalice/config.json rather than read from the models.
"""

from __future__ import annotations

import json
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
CONFIG: dict[str, Any] = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEV = CONFIG["stages"]["dev"]
DEPLOYED = load_settings({"TABLE_PREFIX": DEV["environment_variables"]["TABLE_PREFIX"]})
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
# Chalice's logical ids for the app's Lambdas, and their handler names (.chalice/config.json's lambda_functions)
FUNCTIONS = {"APIHandler": "api_handler", "JwtAuth": "jwt_auth", "RunDueJobs": "run_due_jobs"}
FUNCTIONS["WorkJobSegments"] = "work_job_segments"
POLICIES = {iam.policy_file(handler): iam.policy(handler) for handler in FUNCTIONS.values()}
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


def statements(service: str) -> list[dict[str, Any]]:
    return [
        s
        for document in POLICIES.values()
        for s in document["Statement"]
        if any(a == "*" or a.lower().startswith(f"{service}:") for a in as_list(s.get("Action", [])))
    ]


def test_the_worker_has_a_role_of_its_own_and_the_others_share_the_stages():
    assert set(POLICIES) == {"policy-dev.json", "policy-dev-worker.json"}
    assert iam.policy_file("work_job_segments") == "policy-dev-worker.json"
    assert {iam.policy_file(h) for h in FUNCTIONS.values() if h != "work_job_segments"} == {"policy-dev.json"}


def table_arn(name: str) -> str:
    return ACCOUNT_ARN.format(service="dynamodb", resource=f"table/{name}")


def test_dynamodb_statements_name_concrete_actions_on_named_tables():
    """Which actions on which table is derived from the app's calls in tests/functional/test_iam_policy.py."""
    found = statements("dynamodb")
    assert found
    granted = {a for s in found for a in as_list(s["Action"])}
    assert granted <= iam.DYNAMODB_ACTIONS, f"wildcard or unknown DynamoDB actions: {granted - iam.DYNAMODB_ACTIONS}"
    known = {table_arn(name) for name in TABLES} | {
        f"{table_arn(name)}/index/{gsi['IndexName']}"
        for name, table in TABLES.items()
        for gsi in table["Properties"].get("GlobalSecondaryIndexes", [])
    }
    for statement in found:
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert "table/*" not in resource and not resource.endswith("-*"), resource
            assert any(fnmatchcase(arn, resource) for arn in known), f"{resource} names no table in the template"


def test_policy_lets_each_function_write_its_own_logs_only():
    log_groups = [r["Properties"]["LogGroupName"] for r in RESOURCES.values() if r.get("Type") == "AWS::Logs::LogGroup"]
    groups = {f: f"/aws/lambda/{RESOURCES[f]['Properties']['FunctionName']}" for f in FUNCTIONS}
    assert sorted(log_groups) == sorted(groups.values())
    for function, handler in FUNCTIONS.items():
        document = iam.policy(handler)
        for other, group in groups.items():
            group_arn = ACCOUNT_ARN.format(service="logs", resource=f"log-group:{group}")
            stream_arn = f"{group_arn}:log-stream:2026/11/22/[$LATEST]0123456789abcdef"
            shares = iam.policy_file(FUNCTIONS[other]) == iam.policy_file(handler)  # one role's policy, one file
            assert allows("logs:CreateLogGroup", group_arn, document) == shares, (function, other)
            assert allows("logs:CreateLogStream", stream_arn, document) == shares, (function, other)
            assert allows("logs:PutLogEvents", stream_arn, document) == shares, (function, other)
        other_arn = ACCOUNT_ARN.format(service="logs", resource="log-group:/aws/lambda/other")
        assert not allows("logs:PutLogEvents", other_arn, document)


def test_policy_lets_the_api_read_only_its_own_webhook_secrets_parameter():
    name = DEV["environment_variables"]["WEBHOOK_SECRETS_PARAMETER"]
    assert name.startswith("/")
    parameter = ACCOUNT_ARN.format(service="ssm", resource=f"parameter{name}")
    assert allows("ssm:GetParameter", parameter)
    assert not allows("ssm:GetParameter", ACCOUNT_ARN.format(service="ssm", resource="parameter/other/secret"))
    assert not allows("ssm:PutParameter", parameter)


@pytest.mark.parametrize("document", sorted(POLICIES))
def test_policy_allows_xray_segments(document):
    assert allows("xray:PutTraceSegments", "*", POLICIES[document])
    assert allows("xray:PutTelemetryRecords", "*", POLICIES[document])


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


# --- scheduled function and the job-segment queue ------------------------------------------

QUEUE = RESOURCES["JobSegmentsQueue"]["Properties"]
DEAD_LETTER = RESOURCES["JobSegmentsDeadLetterQueue"]["Properties"]
QUEUE_ARN, DEAD_LETTER_ARN = iam.queue_arn(QUEUE["QueueName"]), iam.queue_arn(DEAD_LETTER["QueueName"])
WORKER = DEV["lambda_functions"]["work_job_segments"]


def event_sources() -> dict[str, Any]:
    import app as application

    return {source.name: source for source in application.app.event_sources}


def test_the_functions_are_named_as_chalice_names_them():
    """Chalice names an event-driven Lambda `<app>-<stage>-<handler>`; the fixed names must agree with it."""
    assert set(event_sources()) == {"run_due_jobs", "work_job_segments"}
    for function in ("RunDueJobs", "WorkJobSegments"):
        name = f"{CONFIG['app_name']}-dev-{FUNCTIONS[function]}"
        assert RESOURCES[function]["Properties"]["FunctionName"] == name


def test_the_tick_only_enqueues_and_the_worker_stops_before_its_timeout():
    assert DEV["lambda_functions"]["run_due_jobs"]["lambda_timeout"] <= 300  # runs go to the queue, not worked here
    assert WORKER["lambda_timeout"] / 4 > job_worker.RESERVE  # most of an invocation sweeps
    assert WORKER["lambda_memory_size"] >= 1769  # one full vCPU: decoding items is CPU-bound


def test_the_worker_is_triggered_by_the_queue_one_segment_at_a_time_and_reports_failed_items():
    from chalice.utils import to_cfn_resource_name

    import app as application

    source = event_sources()["work_job_segments"]
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


def test_the_functions_that_enqueue_get_the_queues_url_and_the_authorizer_does_not():
    url = {"JOB_QUEUE_URL": {"Ref": "JobSegmentsQueue"}}
    for function in ("APIHandler", "RunDueJobs", "WorkJobSegments"):
        assert RESOURCES[function]["Properties"]["Environment"]["Variables"] == url
    assert "Environment" not in RESOURCES["JwtAuth"]["Properties"]


def test_only_the_worker_may_receive_and_delete_segments_and_nothing_touches_the_dead_letter_queue():
    api, worker = iam.policy(), iam.policy("work_job_segments")
    assert allows("sqs:SendMessage", QUEUE_ARN, api) and allows("sqs:SendMessage", QUEUE_ARN, worker)
    for action in iam.EVENT_SOURCE_ACTIONS:
        assert allows(action, QUEUE_ARN, worker) and not allows(action, QUEUE_ARN, api)
    assert not any(allows(a, DEAD_LETTER_ARN, d) for a in iam.SQS_ACTIONS for d in (api, worker))
    for statement in statements("sqs"):
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
