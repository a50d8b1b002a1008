"""Create the tables from the models, for the local stack and tests (deployed: infra/ does it)."""

from __future__ import annotations

from chalicelib.persistence.models import ALL_MODELS


def create_all() -> None:
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)


def delete_all() -> None:
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()
