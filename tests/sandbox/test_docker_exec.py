"""The exec path: a primed first command behaves exactly like a plain exec, and nothing in the
workspace can reach the waiter that becomes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import ExecRequest, SessionSpec
from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox, DockerSession
from sandbox.docker.isolation import IdleProcess

pytestmark = pytest.mark.docker

_PROBE = (
    "id; pwd; umask; env | sort; ulimit -a; "
    "grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; "
    "cat /proc/self/cgroup | sort; readlink /proc/self/fd/0"
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    # Would announce themselves if any Python imported them from the workspace.
    for name in ("json.py", "os.py", "sitecustomize.py", "usercustomize.py"):
        (root / name).write_text("print('HIJACKED')\n")
    return root


def _open_warm(sandbox: DockerSandbox, workspace: Path) -> DockerSession:
    assert sandbox.wait_until_warm(timeout_s=120), "the pool never warmed"
    session = sandbox.open(SessionSpec(workspace=workspace))
    assert session.warm.primed is not None, "expected a primed warm container"
    return session


def test_the_first_command_matches_a_plain_exec(
    docker_sandbox: DockerSandbox, workspace: Path
) -> None:
    with _open_warm(docker_sandbox, workspace) as session:
        request = ExecRequest(argv=["sh", "-c", _PROBE], env={"EXTRA": "1"})
        primed = session.exec(request)
        assert session.warm.primed is None  # used once, then gone
        plain = session.exec(request)
    assert primed.exit_code == plain.exit_code == 0
    assert primed.stdout == plain.stdout
    assert "EXTRA=1" in primed.stdout.splitlines()


def test_the_waiter_is_out_of_the_workspaces_reach(
    docker_sandbox: DockerSandbox, workspace: Path
) -> None:
    with _open_warm(docker_sandbox, workspace) as session:
        result = session.exec(ExecRequest(argv=["python3", "-I", "-c", "print('clean')"]))
    assert result.stdout == "clean\n"
    assert "HIJACKED" not in result.stdout + result.stderr


@pytest.mark.parametrize("first", [True, False], ids=["primed", "plain"])
def test_failures_to_start_look_the_same_either_way(
    docker_sandbox: DockerSandbox, workspace: Path, first: bool
) -> None:
    with _open_warm(docker_sandbox, workspace) as session:
        if not first:
            session.exec(ExecRequest(argv=["true"]))
        missing = session.exec(ExecRequest(argv=["no-such-command-evokernel"]))
        bad_cwd = session.exec(ExecRequest(argv=["true"], cwd="/no/such/dir"))
    assert missing.exit_code == 126
    assert bad_cwd.exit_code == 126


def test_stdin_is_empty_and_cwd_may_be_absolute(
    docker_sandbox: DockerSandbox, workspace: Path
) -> None:
    with _open_warm(docker_sandbox, workspace) as session:
        first = session.exec(ExecRequest(argv=["sh", "-c", "cat; pwd"], cwd="/tmp", timeout_s=120))
        second = session.exec(ExecRequest(argv=["sh", "-c", "cat; pwd"], cwd="/tmp", timeout_s=120))
    assert first.stdout == second.stdout == "/tmp\n"
    assert not first.timed_out and not second.timed_out


def test_a_command_that_closes_its_output_is_still_waited_for(
    docker_sandbox: DockerSandbox, workspace: Path
) -> None:
    with _open_warm(docker_sandbox, workspace) as session:
        result = session.exec(
            ExecRequest(argv=["sh", "-c", "exec >&- 2>&-; sleep 1; exit 7"], timeout_s=30)
        )
    assert result.exit_code == 7
    assert result.duration_s >= 1.0


@pytest.fixture(scope="module")
def image_without_python(docker_engine: Any) -> Iterator[str]:
    """The base image with python3 removed (only a shell left to idle with)."""
    base = docker_engine.images.get(DockerSandboxConfig().image)
    container = docker_engine.containers.create(
        base.id, ["sh", "-c", "rm -f /usr/bin/python3*"], user="0", network_mode="none"
    )
    try:
        container.start()
        assert container.wait(timeout=60)["StatusCode"] == 0
        image = container.commit(repository="evokernel/test-no-python", tag=uuid.uuid4().hex[:8])
    finally:
        container.remove(force=True)
    yield image.id
    docker_engine.images.remove(image.id, force=True)


def test_an_image_without_python_idles_in_a_shell_and_still_kills_trees(
    image_without_python: str, tmp_path: Path
) -> None:
    config = DockerSandboxConfig(image=image_without_python, pool_size=1)
    with DockerSandbox(config) as sandbox:
        assert sandbox.wait_until_warm(timeout_s=120)
        with sandbox.open(SessionSpec(workspace=tmp_path)) as session:
            assert session.warm.idle is IdleProcess.SHELL and session.warm.primed is None
            assert session.exec(ExecRequest(argv=["sh", "-c", "echo ok"])).stdout == "ok\n"
            spin = session.exec(
                ExecRequest(argv=["sh", "-c", "sleep 300 & sleep 300"], timeout_s=1)
            )
            assert spin.timed_out and session.spent_reason is None
            assert session.exec(ExecRequest(argv=["sh", "-c", "echo alive"])).stdout == "alive\n"
