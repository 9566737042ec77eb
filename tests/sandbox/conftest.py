"""Fixtures for the sandbox suite: real local and Docker backends, a real sample repository."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sandbox import LocalSandbox, LocalSandboxConfig, Validator
from tests.conftest import GitRepoFactory
from tests.sandbox.docker_support import SUITE_RUN_ID, containers_with_label

if TYPE_CHECKING:
    from sandbox.docker import DockerSandbox

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


@pytest.fixture(scope="session")
def _docker_backends(docker_engine: object) -> Iterator[dict[str, DockerSandbox]]:
    """The shared Docker backends by transfer mode, each built on first use.

    At the end of the run they are closed together (both start containers labelled with
    ``SUITE_RUN_ID``); then nothing of the suite may be left in the engine.
    """
    backends: dict[str, DockerSandbox] = {}
    yield backends
    slot_roots = [getattr(s._transfer, "root", None) for s in backends.values()]
    for backend in backends.values():
        backend.close()
    left = containers_with_label(f"evokernel.run_id={SUITE_RUN_ID}")
    assert left == [], f"containers left behind after the suite: {left}"
    for root in slot_roots:
        assert root is None or not Path(root).exists(), f"slot directory {root} left behind"


def _shared_backend(backends: dict[str, DockerSandbox], transfer: str) -> DockerSandbox:
    from sandbox.config import DockerSandboxConfig
    from sandbox.docker import DockerSandbox

    if transfer not in backends:
        settings = DockerSandboxConfig(transfer=transfer, pool_size=2)  # type: ignore[arg-type]
        backends[transfer] = DockerSandbox(settings, run_id=SUITE_RUN_ID)
    return backends[transfer]


@pytest.fixture(scope="session")
def docker_sandbox(_docker_backends: dict[str, DockerSandbox]) -> DockerSandbox:
    """The shared Docker backend with the automatic transfer (bind mounts on this engine)."""
    return _shared_backend(_docker_backends, "auto")


@pytest.fixture(scope="session")
def docker_archive_sandbox(_docker_backends: dict[str, DockerSandbox]) -> DockerSandbox:
    """The shared Docker backend forced to upload workspaces with ``put_archive``."""
    return _shared_backend(_docker_backends, "archive")


@pytest.fixture(params=["bind", "archive"])
def docker_sandbox_each_transfer(
    request: pytest.FixtureRequest,
    docker_sandbox: DockerSandbox,
    docker_archive_sandbox: DockerSandbox,
) -> DockerSandbox:
    """The shared Docker backend once per transfer mode: bind mounts, then ``put_archive``."""
    chosen = docker_sandbox if request.param == "bind" else docker_archive_sandbox
    assert chosen.transfer_mode == request.param
    return chosen
