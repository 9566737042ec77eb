"""Fixtures for the sandbox suite: a real local backend and a real sample repository."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import LocalSandbox, LocalSandboxConfig, Validator
from tests.conftest import GitRepoFactory

VENV_BIN = str(Path(sys.executable).parent)
"""The test interpreter's bin directory: it has python3 with pytest, which the host's may not."""

CALC_BUGGY = "def add(a, b):\n    return a - b\n"
CALC_TESTS = (
    "from calc import add\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_zero():\n    assert add(0, 0) == 0\n"
)
CALC_FIX = """\
diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
"""


@pytest.fixture(scope="session")
def local_sandbox() -> Iterator[LocalSandbox]:
    """One real LocalSandbox for the whole run (PATH has this venv, so pytest is there)."""
    sandbox = LocalSandbox(LocalSandboxConfig(path_prepend=[VENV_BIN]))
    yield sandbox
    sandbox.close()


@pytest.fixture
def validator(local_sandbox: LocalSandbox) -> Validator:
    """A Validator over the local backend; pytest inside skips plugin autoload (faster)."""
    return Validator(local_sandbox, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


@pytest.fixture
def calc_repo(git_repo: GitRepoFactory) -> Path:
    """A real repository whose ``test_add`` fails until ``CALC_FIX`` is applied."""
    return git_repo(
        {
            "calc.py": CALC_BUGGY,
            "tests/test_calc.py": CALC_TESTS,
            "pytest.ini": "[pytest]\n",
        }
    )
