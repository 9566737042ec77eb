"""Containers come from the pool once, carry our labels, and are never left behind: not on
close, not on Ctrl-C, and not after a SIGKILLed runner (the next start reaps them)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from pydantic import ValidationError

from sandbox import ExecRequest, ImageNotFoundError, SandboxConfigError, SessionError, SessionSpec
from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.docker.isolation import PoolKey
from tests.sandbox.docker_support import SUITE_RUN_ID, containers_with_label, inspect_container

pytestmark = pytest.mark.docker

_RUNNER = """
import pathlib, sys, time
from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.models import ExecRequest, SessionSpec

run_id, workspace, mode = sys.argv[1:4]
with DockerSandbox(DockerSandboxConfig(pool_size=1), run_id=run_id) as sandbox:
    with sandbox.open(SessionSpec(workspace=pathlib.Path(workspace))) as session:
        sandbox.wait_until_warm(120)
        print("ready", session.container_id, flush=True)
        if mode == "exec":
            session.exec(ExecRequest(argv=["sleep", "300"], timeout_s=600))
        else:
            time.sleep(600)
"""


def _start_runner(run_id: str, workspace: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUNNER, run_id, str(workspace), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


DEADLINE_S = 600.0
"""Bounds a hang only: every wait below is for an event (a line, a process, an exit)."""


def _wait_ready(runner: subprocess.Popen[str], timeout_s: float = DEADLINE_S) -> str:
    """The runner's session container id, once it says it is ready."""
    assert runner.stdout is not None
    ready, _, _ = select.select([runner.stdout], [], [], timeout_s)
    if not ready:
        runner.kill()
        pytest.fail(f"the runner never said ready within {timeout_s}s")
    line = runner.stdout.readline()
    if not line.startswith("ready "):
        runner.kill()
        _, err = runner.communicate(timeout=DEADLINE_S)
        pytest.fail(f"the runner failed before it was ready: {line!r} {err[-2000:]}")
    return line.split()[1]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    (path / "a.txt").write_text("a\n")
    return path


def test_a_container_serves_one_session_and_is_removed_with_it(
    docker_sandbox: DockerSandbox, workspace: Path, docker_engine: object
) -> None:
    first = docker_sandbox.open(SessionSpec(workspace=workspace))
    second = docker_sandbox.open(SessionSpec(workspace=workspace))
    assert first.container_id != second.container_id
    removed_before = docker_sandbox.pool_stats()["removed_in_background"]
    first.close()
    second.close()
    # Removal happens off the validation's path; drained here, it is done.
    assert docker_sandbox.pool_stats()["removed_in_background"] == removed_before + 2
    docker_sandbox.drain_removals()
    for closed in (first, second):
        with pytest.raises(docker.errors.NotFound):
            inspect_container(docker_engine, closed.container_id)
        with pytest.raises(SessionError):
            closed.exec(ExecRequest(argv=["true"]))


def test_a_session_knows_the_image_its_container_was_created_from(
    docker_sandbox: DockerSandbox, workspace: Path, docker_engine: object
) -> None:
    """Read when the container started, so a receipt need not ask the engine again."""
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as session:
        expected = docker_sandbox.image_id()
        assert expected is not None and expected.startswith("sha256:")
        assert session.image_id == expected
        assert inspect_container(docker_engine, session.container_id)["Image"] == expected


def test_the_pool_refills_in_the_background(docker_sandbox: DockerSandbox, workspace: Path) -> None:
    assert docker_sandbox.wait_until_warm(timeout_s=120), "the pool never warmed"
    key = docker_sandbox.default_key
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as session:
        assert session.warm.key == key
        assert session.warm.primed is not None  # a warm container, waiter ready
        assert docker_sandbox.wait_until_warm(timeout_s=120), "the pool never refilled"
        assert docker_sandbox.pool_status()[key.image] >= docker_sandbox.config.pool_size


def test_containers_carry_owner_run_and_pool_labels(
    docker_sandbox: DockerSandbox, workspace: Path, docker_engine: object
) -> None:
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as session:
        labels = inspect_container(docker_engine, session.container_id)["Config"]["Labels"]
        key = session.warm.key
    assert key == PoolKey.for_spec(SessionSpec(workspace=workspace), docker_sandbox.config.image)
    assert labels["evokernel.managed"] == "true"
    assert labels["evokernel.run_id"] == SUITE_RUN_ID
    assert labels["evokernel.owner_pid"] == str(os.getpid())
    assert labels["evokernel.owner_host"] == socket.gethostname()
    assert labels["evokernel.pool_key"] == key.digest()
    assert Path(labels["evokernel.slot"]).name.startswith("evokernel-slot-")


def test_close_removes_every_container_and_slot(workspace: Path, docker_engine: object) -> None:
    run_id = f"pytest-close-{uuid.uuid4().hex[:8]}"
    sandbox = DockerSandbox(DockerSandboxConfig(pool_size=1), run_id=run_id)
    spent = sandbox.open(SessionSpec(workspace=workspace))
    spent.close()  # queued for the background remover, maybe not removed yet
    session = sandbox.open(SessionSpec(workspace=workspace))  # left open on purpose
    assert sandbox.wait_until_warm(timeout_s=120)
    slot = session.warm.slot
    assert slot is not None and slot.is_dir()
    assert 2 <= len(containers_with_label(f"evokernel.run_id={run_id}")) <= 3
    sandbox.close()
    sandbox.close()  # idempotent
    assert containers_with_label(f"evokernel.run_id={run_id}") == []
    assert not slot.exists() and not slot.parent.exists()
    assert session.closed


def _wait_for_command(engine: Any, container_id: str, command: str, since: float) -> None:
    """Until the engine reports an exec of ``command`` in the container (its event stream,
    replayed from ``since`` so an exec that started before we listened still counts)."""
    events = engine.api.events(
        since=since,
        until=since + DEADLINE_S,  # bounds a hang only: the stream ends there
        filters={"container": container_id, "event": "exec_start"},
        decode=True,
    )
    try:
        for event in events:
            if command in str(event.get("Action", "")):
                return
    finally:
        events.close()
    pytest.fail(f"{command!r} never ran in container {container_id[:12]}")


def test_ctrl_c_during_a_command_leaves_nothing_behind(
    workspace: Path, docker_engine: object
) -> None:
    run_id = f"pytest-sigint-{uuid.uuid4().hex[:8]}"
    started = time.time()
    with _start_runner(run_id, workspace, "exec") as runner:
        try:
            container_id = _wait_ready(runner)
            assert containers_with_label(f"evokernel.run_id={run_id}")
            _wait_for_command(docker_engine, container_id, "sleep 300", started)
            runner.send_signal(signal.SIGINT)
            _, err = runner.communicate(timeout=DEADLINE_S)
        finally:
            runner.kill()
    assert "KeyboardInterrupt" in err
    assert containers_with_label(f"evokernel.run_id={run_id}") == []


def test_a_sigkilled_runner_is_reaped_by_the_next_start(workspace: Path) -> None:
    run_id = f"pytest-sigkill-{uuid.uuid4().hex[:8]}"
    with _start_runner(run_id, workspace, "sleep") as runner:
        try:
            container_id = _wait_ready(runner)
            runner.send_signal(signal.SIGKILL)
            runner.communicate(timeout=DEADLINE_S)
        finally:
            runner.kill()
    left = containers_with_label(f"evokernel.run_id={run_id}")
    assert container_id in left  # a dead runner cannot clean up...
    with DockerSandbox(DockerSandboxConfig(pool_size=0)) as next_start:
        assert set(left) <= set(next_start.reaped)  # ...the next start does
    assert containers_with_label(f"evokernel.run_id={run_id}") == []


def test_live_owners_are_not_reaped(docker_sandbox: DockerSandbox, workspace: Path) -> None:
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as session:
        with DockerSandbox(DockerSandboxConfig(pool_size=0)) as other:
            assert session.container_id not in other.reaped
        assert session.exec(ExecRequest(argv=["true"])).exit_code == 0


def test_an_absent_image_is_image_not_found_and_nothing_is_left(workspace: Path) -> None:
    run_id = f"pytest-noimage-{uuid.uuid4().hex[:8]}"
    image = f"evokernel/absent-{uuid.uuid4().hex[:8]}:0"
    with DockerSandbox(DockerSandboxConfig(pool_size=0), run_id=run_id) as sandbox:
        assert sandbox.image_id(image) is None
        with pytest.raises(ImageNotFoundError) as raised:
            sandbox.open(SessionSpec(workspace=workspace, image=image))
        assert raised.value.image == image
        assert sandbox.image_id(image) is None  # refused, not pulled
    assert containers_with_label(f"evokernel.run_id={run_id}") == []


def test_a_pool_that_cannot_start_says_why_and_does_not_spin(workspace: Path) -> None:
    image = f"evokernel/absent-{uuid.uuid4().hex[:8]}:0"
    with DockerSandbox(DockerSandboxConfig(image=image, pool_size=1)) as sandbox:
        # The pool's first failed start ends the wait (an event, not a poll).
        assert not sandbox.wait_until_warm(timeout_s=DEADLINE_S)
        assert isinstance(sandbox.pool_error, ImageNotFoundError)
        assert sandbox.pool_status() == {image: 0}
        assert not sandbox.wait_until_warm(timeout_s=0.5)
        with pytest.raises(ImageNotFoundError):
            sandbox.open(SessionSpec(workspace=workspace))


def test_a_workspace_that_is_not_a_directory_is_refused(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    with pytest.raises(SessionError, match="not a directory"):
        docker_sandbox.open(SessionSpec(workspace=tmp_path / "absent"))


@pytest.mark.parametrize("user", ["evo", "0", "0:0", "1000:staff", ""])
def test_the_sandbox_user_must_be_a_numeric_non_root_uid(user: str) -> None:
    """Refused when the configuration is read (#14), and again by the backend."""
    with pytest.raises(ValidationError, match="user"):
        DockerSandboxConfig(user=user)
    with pytest.raises(SandboxConfigError):
        DockerSandbox(DockerSandboxConfig.model_construct(user=user))
