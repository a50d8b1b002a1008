"""Bookkeeping that botocore and moto redo on every request, done once: for in-process simulations only.

A backtest sends some 600,000 requests to moto in one process. For each, botocore builds its
User-Agent string twice from a dozen components and moto lists its response class's methods with
`inspect.getmembers` to find the action: together a tenth of the run, and neither answer changes
within a run. Here both are computed once (the User-Agent is the first one built; moto's method
names per class), for as long as they are installed; a simulation's outcome does not depend on
either. `tests/unit/test_call_overheads.py` checks moto answers the same with and without.
"""

from __future__ import annotations

from typing import Any

from botocore.useragent import UserAgentString
from moto.core import responses, utils

_to_string = UserAgentString.to_string
_method_names = utils.method_names_from_class
_names: dict[object, list[str]] = {}
_agent: list[str] = []  # the first User-Agent built while installed


def _cached_method_names(clazz: object) -> list[str]:
    found = _names.get(clazz)
    if found is None:
        found = _names[clazz] = _method_names(clazz)
    return found


def _cached_user_agent(self: Any) -> str:
    if not _agent:
        _agent.append(_to_string(self))
    return _agent[0]


def install() -> None:
    vars(responses)["method_names_from_class"] = _cached_method_names  # the name moto's dispatch looks up
    UserAgentString.to_string = _cached_user_agent


def uninstall() -> None:
    vars(responses)["method_names_from_class"] = _method_names
    UserAgentString.to_string = _to_string
    _names.clear()
    _agent.clear()
