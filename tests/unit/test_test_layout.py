"""Tests share helpers through support modules only: no test module imports from a test module or a conftest."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def local_imports(path: Path) -> set[str]:
    """Modules of this test tree that `path` imports, as dotted names (relative ones keep their leading dots)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("tests")):
            base = "." * node.level + (node.module or "")
            found.add(base)
            found.update(f"{base}.{alias.name}".replace("..", ".") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("tests"))
    return found


def is_test_module(name: str) -> bool:
    return any(part.startswith("test_") or part == "conftest" for part in name.split("."))


def test_no_test_imports_from_another_test_module_or_conftest():
    offenders = {
        str(path.relative_to(TESTS)): sorted(m for m in local_imports(path) if is_test_module(m))
        for path in TESTS.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
