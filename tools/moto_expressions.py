"""moto's update expressions parsed once per text and copied by pickling: for in-process simulations only.

For every UpdateItem (alone or in a transaction) moto parses the expression into a tree of nodes
and its validator deep-copies the tree before resolving names and values in it. In a backtest the
same few dozen expression texts (pynamodb's `#0`, `:0` placeholders) come back hundreds of
thousands of times, and `copy.deepcopy` walks each node in Python. Here a text is parsed once
and each use gets its own copy of the tree through `pickle`, which copies the same objects in C
several times faster. Nothing else changes: moto still resolves, checks and applies every
expression against the item. `tests/unit/test_moto_expressions.py` checks the copies are whole.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

_make = UpdateExpressionParser.make
_declared = vars(UpdateExpressionParser)["make"]  # the classmethod itself, put back as it was
_parsed: dict[str, bytes] = {}


def _copy(value: Any) -> Any:
    if isinstance(value, Node):
        return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    return copy.deepcopy(value)


def _made_once(expression: str) -> Any:
    tree = _parsed.get(expression)
    if tree is None:
        tree = _parsed[expression] = pickle.dumps(_make(expression), pickle.HIGHEST_PROTOCOL)
    return pickle.loads(tree)


def install() -> None:
    UpdateExpressionParser.make = staticmethod(_made_once)
    vars(validators)["deepcopy"] = _copy  # the name moto's validators call


def uninstall() -> None:
    UpdateExpressionParser.make = _declared
    vars(validators)["deepcopy"] = copy.deepcopy
    _parsed.clear()
