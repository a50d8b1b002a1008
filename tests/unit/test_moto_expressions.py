"""The simulator's parsed-once, pickled update expressions: whole copies, and moto's outcomes unchanged."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import Node
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from tests.moto_tables import one_key_table
from tools import moto_expressions

EXPRESSIONS = [
    "SET #a = :a, #b = if_not_exists(#b, :z) + :one, #l = list_append(#l, :l)",
    "ADD #n :one, #s :set REMOVE #gone, #m.#inner[2]",
    "SET #m.#inner = :a DELETE #s :set",
]
NAMES = {"#a": "a", "#b": "b", "#l": "l", "#n": "n", "#s": "s", "#gone": "gone", "#m": "m", "#inner": "inner"}
VALUES = {
    ":a": {"S": "x"},
    ":z": {"N": "0"},
    ":one": {"N": "1"},
    ":l": {"L": [{"S": "p"}]},
    ":set": {"SS": ["q"]},
}


def _tree(node: Any, parent: Any = None) -> Any:
    """A node's structure: its type, its fields (children as trees), and that its parent is the one above."""
    if isinstance(node, list | tuple):
        return [_tree(child, parent) for child in node]
    if not isinstance(node, Node):
        return copy.deepcopy(node)
    fields = {k: _tree(v, node) for k, v in sorted(vars(node).items()) if k != "parent"}
    return (type(node).__name__, fields, getattr(node, "parent", None) is parent or parent is None)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_each_use_gets_a_whole_copy_of_the_tree_moto_makes(expression: str) -> None:
    made = UpdateExpressionParser.make(expression)
    moto_expressions.install()
    try:
        first, second = UpdateExpressionParser.make(expression), UpdateExpressionParser.make(expression)
        copied = validators.deepcopy(first)
    finally:
        moto_expressions.uninstall()
    assert _tree(first) == _tree(second) == _tree(copied) == _tree(made) == _tree(copy.deepcopy(made))
    assert first is not second and copied is not first
    assert UpdateExpressionParser.make(expression).__class__ is made.__class__  # moto's own make is back


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        one_key_table(db)
        yield db


def _updates(db: Any, key: str) -> list[Any]:
    """The same sequence of updates, failures included, as moto answers them."""
    start = {"id": {"S": key}, "l": {"L": []}, "m": {"M": {"inner": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}}}
    db.put_item(TableName="t", Item=start)
    answers: list[Any] = []
    for expression in [*EXPRESSIONS, EXPRESSIONS[0], "SET #a = :missing"]:
        names = {k: v for k, v in NAMES.items() if k in expression}
        values = {k: v for k, v in VALUES.items() if k in expression.replace(":missing", "")}
        try:
            answer = db.update_item(
                TableName="t",
                Key={"id": {"S": key}},
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values or {":unused": {"S": "u"}},
                ReturnValues="ALL_NEW",
            )
            answers.append({k: v for k, v in answer["Attributes"].items() if k != "id"})
        except db.exceptions.ClientError as error:
            answers.append(error.response["Error"]["Code"])
    return answers


def test_updates_answer_as_they_do_without_the_shortcut(table: Any) -> None:
    walked = _updates(table, "a")
    moto_expressions.install()
    try:
        pickled = _updates(table, "b")
    finally:
        moto_expressions.uninstall()
    assert pickled == walked
    assert "ValidationException" in walked and len(walked) == len(EXPRESSIONS) + 2
