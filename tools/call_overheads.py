"""Bookkeeping that botocore and moto redo on every request, done once or not at all: in-process simulations only.

A backtest sends some 600,000 requests to moto in one process. For each, botocore builds its
User-Agent string twice from a dozen components and signs the request (SigV4: a canonical request
and four HMACs), and moto lists its response class's methods with `inspect.getmembers` to find the
action: together a sixth of the run. None of it changes an answer: the User-Agent is built once,
moto's method names once per class, and requests go unsigned (moto checks no signature, and takes
the default account without one). `tests/unit/test_call_overheads.py` checks moto answers the same.
"""

from __future__ import annotations

from typing import Any

from botocore.signers import RequestSigner
from botocore.useragent import UserAgentString
from moto.core import responses, utils

_to_string = UserAgentString.to_string
_sign = RequestSigner.sign
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


def _unsigned(self: Any, *args: Any, **kwargs: Any) -> None:
    return None


def install() -> None:
    vars(responses)["method_names_from_class"] = _cached_method_names  # the name moto's dispatch looks up
    UserAgentString.to_string = _cached_user_agent
    RequestSigner.sign = _unsigned


def uninstall() -> None:
    vars(responses)["method_names_from_class"] = _method_names
    UserAgentString.to_string = _to_string
    RequestSigner.sign = _sign
    _names.clear()
    _agent.clear()
