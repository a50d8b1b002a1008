"""botocore's parse of DynamoDB attribute values, done directly: for in-process simulations only.

botocore parses every answer member by member along its output shape, dispatching on each
value's type by name. An attribute value is a one-key object whose only non-JSON member is a
binary (base64 text on the wire, bytes once parsed), so this reads it straight from the JSON and
leaves the rest of the answer (counts, keys' containers, stream record fields, errors) to
botocore. Anything not shaped as DynamoDB's `AttributeValue` union goes to botocore.
`tests/unit/test_moto_serialize.py` checks the answers parse the same either way.
"""

from __future__ import annotations

from typing import Any

from botocore.model import Shape
from botocore.parsers import BaseJSONParser

MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
AS_SENT = frozenset({"S", "N", "SS", "NS", "NULL", "BOOL"})
_parse_shape = BaseJSONParser._parse_shape
_own = vars(BaseJSONParser).get("_parse_shape")  # None: inherited from ResponseParser
_judged: dict[int, tuple[Shape, bool]] = {}


def _attribute_shape(shape: Shape) -> bool:
    if shape.name != "AttributeValue":
        return False
    known = _judged.get(id(shape))
    if known is None or known[0] is not shape:
        known = _judged[id(shape)] = (shape, shape.type_name == "structure" and set(shape.members) == MEMBERS)
    return known[1]


def _parse(self: BaseJSONParser, shape: Shape, node: Any) -> Any:
    if isinstance(node, dict):
        if _attribute_shape(shape):
            return _value(self, shape, node)
        if shape.type_name == "map" and _attribute_shape(shape.value):
            return {name: _value(self, shape.value, value) for name, value in node.items()}
    return _parse_shape(self, shape, node)


def _value(self: BaseJSONParser, shape: Shape, node: Any) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        return _parse_shape(self, shape, node)
    ((kind, inner),) = node.items()
    if kind in AS_SENT:
        return {kind: inner}
    if kind == "M" and isinstance(inner, dict):
        return {"M": {name: _value(self, shape, value) for name, value in inner.items()}}
    if kind == "L" and isinstance(inner, list):
        return {"L": [_value(self, shape, value) for value in inner]}
    if kind == "B":
        return {"B": self._blob_parser(inner)}
    if kind == "BS":
        return {"BS": [self._blob_parser(value) for value in inner]}
    return _parse_shape(self, shape, node)


def install() -> None:
    BaseJSONParser._parse_shape = _parse


def uninstall() -> None:
    if _own is None:
        del BaseJSONParser._parse_shape
    else:
        BaseJSONParser._parse_shape = _own
    _judged.clear()
