"""The Lambdas' IAM policies and the AWS calls the app makes, as (IAM action, resource) pairs per function.

Calls are recorded with `provide-client-params.*` hooks on the app's own clients (DynamoDB and
the job-segment queue), which see each request's parameters as the app built them; a transaction
is authorised per item action (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem), a
Query or Scan on an index on the index's ARN, an SQS batch call by its single-message action.
Each function has the policy file .chalice/config.json gives it (the stage's, or its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.session

from chalicelib.messaging import segment_queue
from chalicelib.persistence.connection import register_hook, unregister_hook
from chalicelib.persistence.models import ALL_MODELS
from chalicelib.settings import get_settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEV = CONFIG["stages"]["dev"]
TEMPLATE = json.loads((ROOT / "infra" / "resources.json").read_text())
DEPLOYED = load_settings({"TABLE_PREFIX": DEV["environment_variables"]["TABLE_PREFIX"]})
ACCOUNT_ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# Every DynamoDB IAM action: the API's operations, and ConditionCheckItem (an IAM action, not an API call).
DYNAMODB_ACTIONS = frozenset(
    f"dynamodb:{op}"
    for op in [*botocore.session.get_session().get_service_model("dynamodb").operation_names, "ConditionCheckItem"]
)
SQS_BATCHES = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}
SQS_BATCHES["ChangeMessageVisibilityBatch"] = "ChangeMessageVisibility"
SQS_ACTIONS = frozenset(
    f"sqs:{SQS_BATCHES.get(op, op)}" for op in botocore.session.get_session().get_service_model("sqs").operation_names
)
# What Lambda's SQS event source does with the function's role (not calls of the app): poll, delete, read attributes.
EVENT_SOURCE_ACTIONS = frozenset({"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"})
WORKER = "work_job_segments"  # the SQS-triggered function; every other call is the API's or the tick's
ALERTS = "alert_sweep"  # with alarm_state_changed and risk_scan: one role for the functions that decide alerts
QUEUES = [r["Properties"]["QueueName"] for r in TEMPLATE["Resources"].values() if r.get("Type") == "AWS::SQS::Queue"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_file(function: str | None = None) -> str:
    """The policy file of a Chalice function (by handler name): its own if it has one, else the stage's."""
    own = DEV.get("lambda_functions", {}).get(function or "", {}).get("iam_policy_file")
    return str(own or DEV["iam_policy_file"])


def document(function: str | None = None) -> dict[str, Any]:
    """The policy document of a Chalice function (by handler name); the stage's by default."""
    found: dict[str, Any] = json.loads((ROOT / ".chalice" / policy_file(function)).read_text())
    return found


POLICY = document()


def allows(action: str, arn: str, policy: dict[str, Any] | None = None) -> bool:
    """Whether some Allow statement of `policy` (the API's by default) grants `action` on the concrete `arn`."""
    return any(
        s["Effect"] == "Allow"
        and any(fnmatchcase(action.lower(), a.lower()) for a in as_list(s["Action"]))
        and any(fnmatchcase(arn, r) for r in as_list(s["Resource"]))
        for s in (policy or POLICY)["Statement"]
    )


def table_arn(name: str) -> str:
    return ACCOUNT_ARN.format(service="dynamodb", resource=f"table/{name}")


def queue_arn(name: str) -> str:
    return ACCOUNT_ARN.format(service="sqs", resource=name)


def deployed_arn(table_name: str, index: str | None = None) -> str:
    """The dev stage's ARN for a table this process names under its own (test) prefix."""
    prefix = f"{get_settings().table_prefix}-"
    assert table_name.startswith(prefix), table_name
    arn = table_arn(DEPLOYED.table_name(table_name[len(prefix) :]))
    return f"{arn}/index/{index}" if index else arn


def resources() -> list[str]:
    """Every table, index and queue ARN of the deployed stack (tests name their queues as deployed)."""
    found = []
    for model in ALL_MODELS:
        name = model.Meta.table_name
        found.append(deployed_arn(name))
        found += [deployed_arn(name, index["index_name"]) for index in model._get_schema()["global_secondary_indexes"]]
    return found + [queue_arn(name) for name in QUEUES]


def granted(function: str | None = None) -> dict[str, set[str]]:
    """Resource ARN -> the DynamoDB and SQS actions the function's policy grants on it."""
    policy = document(function)
    return {arn: {a for a in DYNAMODB_ACTIONS | SQS_ACTIONS if allows(a, arn, policy)} for arn in resources()}


def authorised_as(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The (IAM action, deployed ARN) pairs one DynamoDB request needs."""
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        pairs = []
        for item in params["TransactItems"]:
            for kind, body in item.items():
                action = "GetItem" if operation == "TransactGetItems" else TRANSACT_ACTIONS[kind]
                pairs.append((f"dynamodb:{action}", deployed_arn(body["TableName"])))
        return pairs
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [(f"dynamodb:{operation}", deployed_arn(table)) for table in params["RequestItems"]]
    return [(f"dynamodb:{operation}", deployed_arn(params["TableName"], params.get("IndexName")))]


class Calls:
    """The (IAM action, ARN) pairs of every request the app's clients make while recording, by function."""

    def __init__(self) -> None:
        self.function: str | None = None  # None: the API's or the tick's (one policy)
        self.made: dict[str | None, set[tuple[str, str]]] = {}

    @property
    def pairs(self) -> set[tuple[str, str]]:
        return set().union(*self.made.values())

    def dynamodb(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.made.setdefault(self.function, set()).update(authorised_as(model.name, params))

    def sqs(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        queue = queue_arn(params["QueueUrl"].rsplit("/", 1)[1])
        self.made.setdefault(self.function, set()).add((f"sqs:{SQS_BATCHES.get(model.name, model.name)}", queue))

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        """Calls made inside are the named function's (it has its own role)."""
        outer, self.function = self.function, function
        try:
            yield
        finally:
            self.function = outer

    def by_resource(self, function: str | None = None) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {arn: set() for arn in resources()}
        for action, arn in self.made.get(function, set()):
            found.setdefault(arn, set()).add(action)
        return found


def differing(made: dict[str, set[str]], granted: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    """Per resource, the actions made but not granted and granted but never made; empty when they agree."""
    found = {}
    for arn in sorted(set(made) | set(granted)):
        missing, unused = made.get(arn, set()) - granted.get(arn, set()), granted.get(arn, set()) - made.get(arn, set())
        if missing or unused:
            found[arn] = {"made, not granted": sorted(missing), "granted, never made": sorted(unused)}
    return found


@contextmanager
def recording() -> Iterator[Calls]:
    calls = Calls()
    register_hook("provide-client-params.dynamodb.*", calls.dynamodb)
    segment_queue.register_hook("provide-client-params.sqs.*", calls.sqs)
    try:
        yield calls
    finally:
        unregister_hook("provide-client-params.dynamodb.*", calls.dynamodb)
        segment_queue.unregister_hook("provide-client-params.sqs.*", calls.sqs)
