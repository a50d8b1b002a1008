"""Unit tests are pure: none may use moto (`aws`) or the HTTP test client (`api`); those belong in functional."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AWS_FIXTURES = {"aws", "api"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    offenders = [
        item.nodeid
        for item in items
        if item.path.resolve().is_relative_to(HERE) and AWS_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    if offenders:
        raise pytest.UsageError(f"unit tests using moto or the test client belong in functional: {offenders}")
