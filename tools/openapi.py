"""`make openapi`: write the OpenAPI document generated from the live route table to docs/openapi.json."""

from __future__ import annotations

from pathlib import Path

import app
from chalicelib.api.openapi import render

TARGET = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def main() -> None:
    TARGET.write_text(render(app.api.operations, app.OPENAPI_VERSION))


if __name__ == "__main__":
    main()
