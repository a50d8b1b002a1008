"""The deployment bundle gets an unchecked-hash .pyc beside each module, for the runtime it targets."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.package_template import PackagingError, add_bytecode, runtimes

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("greeting.py", (1980, 1, 1, 0, 0, 0)), "WORD = 'hello'\n")
        archive.writestr(zipfile.ZipInfo("pkg/__init__.py", (1980, 1, 1, 0, 0, 0)), "")
        archive.writestr(zipfile.ZipInfo("pkg/legacy.py", (1980, 1, 1, 0, 0, 0)), "print 'python 2'\n")
        archive.writestr(zipfile.ZipInfo("pkg-1.0.dist-info/METADATA", (1980, 1, 1, 0, 0, 0)), "Name: pkg\n")
    return path


def test_each_module_gets_an_unchecked_hash_pyc(tmp_path):
    path = bundle(tmp_path)
    result = add_bytecode(path, RUNTIME)
    assert result.compiled == 2
    assert result.skipped == ["pkg/legacy.py"]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pyc = archive.read(importlib.util.cache_from_source("greeting.py"))
    assert names[:4] == [
        "greeting.py",
        importlib.util.cache_from_source("greeting.py"),
        "pkg/__init__.py",
        importlib.util.cache_from_source("pkg/__init__.py"),
    ]
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, not checked against the source


def test_the_bundled_pyc_is_what_python_loads(tmp_path):
    path = bundle(tmp_path)
    add_bytecode(path, RUNTIME)
    target = tmp_path / "task"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    (target / "greeting.py").write_text("WORD = 'changed source'\n")
    code = "import greeting; print(greeting.WORD)"
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=target, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "hello"


def test_a_runtime_other_than_this_interpreter_is_refused(tmp_path):
    with pytest.raises(PackagingError, match=r"python3\.99"):
        add_bytecode(bundle(tmp_path), "python3.99")


def test_runtimes_of_the_functions():
    template = {
        "Resources": {
            "Api": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.11"}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        }
    }
    assert runtimes(template) == {"python3.11"}
