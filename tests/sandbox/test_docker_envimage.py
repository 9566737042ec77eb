"""Env images: setup stages run once, are committed, and later sessions start from them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from sandbox import ExecRequest, SessionSpec, Stage, StageKind
from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox, EnvSetupError, ensure_env_image, env_image_key
from sandbox.docker.labels import ENV_KEY
from tests.sandbox.docker_support import SUITE_RUN_ID

pytestmark = pytest.mark.docker

_INSTALL = Stage(
    name="install",
    kind=StageKind.SETUP,
    command=[
        "sh",
        "-c",
        "cp requirements.txt $HOME/installed.txt && date +%s%N > $HOME/built-at",
    ],
)
_LOCKS = {"requirements.txt": "sha256:aaaa"}


@pytest.fixture(scope="module")
def docker_sandbox(docker_engine: object) -> Iterator[DockerSandbox]:
    """A backend without a pool: a pool would keep containers of the test images running."""
    with DockerSandbox(DockerSandboxConfig(pool_size=0), run_id=SUITE_RUN_ID) as sandbox:
        yield sandbox


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    (path / "requirements.txt").write_text("pinned==1.0\n")
    return path


def _env_images(engine: Any) -> dict[str, float]:
    return {
        image.id: image.attrs["Created"]
        for image in engine.images.list(all=True, filters={"label": ENV_KEY})
    }


@pytest.fixture
def made_images(docker_engine: Any, docker_sandbox: DockerSandbox) -> Iterator[list[str]]:
    """Env images a test makes (and their stage parents), removed afterwards, newest first
    (once the closed sessions' containers, removed in the background, are gone)."""
    before = _env_images(docker_engine)
    images: list[str] = []
    yield images
    docker_sandbox.drain_removals()
    made = {i: created for i, created in _env_images(docker_engine).items() if i not in before}
    for image_id in sorted(made, key=made.__getitem__, reverse=True):
        with contextlib.suppress(docker.errors.NotFound):  # pruned with its child
            docker_engine.images.remove(image_id, force=True)


def _read(sandbox: DockerSandbox, image: str, workspace: Path, script: str) -> str:
    with sandbox.open(SessionSpec(workspace=workspace, image=image)) as session:
        result = session.exec(ExecRequest(argv=["sh", "-c", script]))
    assert result.exit_code == 0, result
    return result.stdout


def test_setup_runs_once_and_later_sessions_start_from_the_image(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str]
) -> None:
    base = docker_sandbox.config.image
    image = ensure_env_image(docker_sandbox, base, [_INSTALL], _LOCKS, workspace=workspace)
    made_images.append(image)
    assert image.startswith("evokernel/env:")
    script = "cat /home/evo/installed.txt /home/evo/built-at; ls -A /workspace"
    first = _read(docker_sandbox, image, workspace, script)
    assert first.startswith("pinned==1.0\n")
    # Asked again: the same image, not rebuilt (the build stamp did not change).
    again = ensure_env_image(docker_sandbox, base, [_INSTALL], _LOCKS, workspace=workspace)
    assert again == image
    assert _read(docker_sandbox, image, workspace, script) == first


def test_the_workspace_never_ends_up_in_the_image(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str], tmp_path: Path
) -> None:
    image = ensure_env_image(
        docker_sandbox, docker_sandbox.config.image, [_INSTALL], _LOCKS, workspace=workspace
    )
    made_images.append(image)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _read(docker_sandbox, image, empty, "ls -A /workspace") == ""


def test_the_key_changes_with_lockfiles_commands_network_and_base(
    docker_sandbox: DockerSandbox,
) -> None:
    base_id = "sha256:base"
    key = env_image_key(base_id, [_INSTALL], _LOCKS)
    assert key == env_image_key(base_id, [_INSTALL], dict(_LOCKS))
    assert key != env_image_key(base_id, [_INSTALL], {"requirements.txt": "sha256:bbbb"})
    assert key != env_image_key("sha256:other", [_INSTALL], _LOCKS)
    changed = _INSTALL.model_copy(update={"command": ["sh", "-c", "true"]})
    assert key != env_image_key(base_id, [changed], _LOCKS)
    networked = _INSTALL.model_copy(update={"network": True})
    assert key != env_image_key(base_id, [networked], _LOCKS)
    renamed = _INSTALL.model_copy(update={"name": "other-name", "timeout_s": 5})
    assert key == env_image_key(base_id, [renamed], _LOCKS)


def test_network_is_on_only_for_stages_that_ask(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str], docker_engine: Any
) -> None:
    # Interfaces are listed, nothing is dialled.
    record = "ls /sys/class/net | tr '\\n' ' ' >> $HOME/interfaces; echo >> $HOME/interfaces"
    offline = Stage(name="offline", kind=StageKind.SETUP, command=["sh", "-c", record])
    online = offline.model_copy(update={"name": "online", "network": True})
    image = ensure_env_image(
        docker_sandbox, docker_sandbox.config.image, [offline, online], {}, workspace=workspace
    )
    made_images.append(image)
    lines = _read(docker_sandbox, image, workspace, "cat /home/evo/interfaces").splitlines()
    assert lines[0].split() == ["lo"]
    assert "lo" in lines[1].split() and len(lines[1].split()) > 1
    labels = docker_engine.images.get(image).labels  # type: ignore[attr-defined]
    assert labels[ENV_KEY] == env_image_key(docker_sandbox.image_id() or "", [offline, online], {})


def test_a_failing_setup_stage_raises_and_tags_nothing(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str]
) -> None:
    broken = Stage(name="broken", kind=StageKind.SETUP, command=["sh", "-c", "echo no >&2; exit 3"])
    with pytest.raises(EnvSetupError) as raised:
        ensure_env_image(docker_sandbox, docker_sandbox.config.image, [broken], _LOCKS)
    assert raised.value.stage == "broken"
    assert raised.value.result.exit_code == 3
    key = env_image_key(docker_sandbox.image_id() or "", [broken], _LOCKS)
    assert docker_sandbox.image_id(f"evokernel/env:{key[:24]}") is None


def test_no_setup_stages_means_the_base_image(docker_sandbox: DockerSandbox) -> None:
    base = docker_sandbox.config.image
    assert ensure_env_image(docker_sandbox, base, [], _LOCKS) == base
