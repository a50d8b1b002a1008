"""The Lambda's IAM policy and the DynamoDB calls the app makes, as (IAM action, resource) pairs.

Calls are recorded with a `provide-client-params.dynamodb.*` hook on the app's own clients, which
sees each request's parameters as PynamoDB built them; a transaction is authorised per item action
(PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem), a Query or Scan on an index on the
index's ARN.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.session

from chalicelib.persistence.connection import register_hook, unregister_hook
from chalicelib.persistence.models import ALL_MODELS
from chalicelib.settings import get_settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
POLICY: dict[str, Any] = json.loads((ROOT / ".chalice" / "policy-dev.json").read_text())
DEV = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["dev"]
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


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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


def deployed_arn(table_name: str, index: str | None = None) -> str:
    """The dev stage's ARN for a table this process names under its own (test) prefix."""
    prefix = f"{get_settings().table_prefix}-"
    assert table_name.startswith(prefix), table_name
    arn = table_arn(DEPLOYED.table_name(table_name[len(prefix) :]))
    return f"{arn}/index/{index}" if index else arn


def resources() -> list[str]:
    """Every table and index ARN of the deployed stack."""
    found = []
    for model in ALL_MODELS:
        name = model.Meta.table_name
        found.append(deployed_arn(name))
        found += [deployed_arn(name, index["index_name"]) for index in model._get_schema()["global_secondary_indexes"]]
    return found


def granted() -> dict[str, set[str]]:
    """Resource ARN -> the DynamoDB actions the policy grants on it."""
    return {arn: {a for a in DYNAMODB_ACTIONS if allows(a, arn)} for arn in resources()}


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
    """The (IAM action, ARN) pairs of every DynamoDB request the app's clients make while recording."""

    def __init__(self) -> None:
        self.pairs: set[tuple[str, str]] = set()

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.pairs.update(authorised_as(model.name, params))

    def by_resource(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {arn: set() for arn in resources()}
        for action, arn in self.pairs:
            found.setdefault(arn, set()).add(action)
        return found


@contextmanager
def recording() -> Iterator[Calls]:
    calls = Calls()
    register_hook("provide-client-params.dynamodb.*", calls)
    try:
        yield calls
    finally:
        unregister_hook("provide-client-params.dynamodb.*", calls)
