"""Env images: setup stages run once, are committed, and later sessions start from them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import subprocess
import zipfile
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


# --- setup can install system and Python packages --------------------------------------------

_SETUP_CAPS = 0xFB
"""CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID: bits 0, 1, 3, 4, 5, 6, 7."""


def _local_deb(workspace: Path) -> str:
    """A tiny Debian package (``evokernel-hello``, a shell script in /usr/bin) built here."""
    root = workspace.parent / "deb-root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: evokernel-hello\nVersion: 1.0\nArchitecture: all\n"
        "Maintainer: EvoKernel tests <tests@invalid>\nDescription: a test package\n"
    )
    script = root / "usr" / "bin" / "evokernel-hello"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\necho hello from a system package\n")
    script.chmod(0o755)
    name = "evokernel-hello_1.0_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(root), str(workspace / name)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return name


def _local_wheel(workspace: Path) -> str:
    """A pure-Python wheel (``evohello``) written by hand: no build backend, no index."""
    files = {
        "evohello/__init__.py": b'GREETING = "hello from a wheel"\n',
        "evohello-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: evohello\nVersion: 1.0\n",
        "evohello-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [
        f"{path},sha256="
        f"{base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
        f"{len(data)}"
        for path, data in files.items()
    ]
    record.append("evohello-1.0.dist-info/RECORD,,")
    files["evohello-1.0.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    name = "evohello-1.0-py3-none-any.whl"
    with zipfile.ZipFile(workspace / name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return name


def test_setup_installs_a_system_package_and_a_wheel_and_validations_stay_unprivileged(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str]
) -> None:
    deb, wheel = _local_deb(workspace), _local_wheel(workspace)
    stages = [
        Stage(name="system", kind=StageKind.SETUP, command=["dpkg", "-i", deb]),
        Stage(
            name="python",
            kind=StageKind.SETUP,
            command=["python3", "-m", "pip", "install", "--no-index", wheel],
        ),
        Stage(
            name="whoami",
            kind=StageKind.SETUP,
            command=[
                "sh",
                "-c",
                "id -u > $HOME/setup-uid; grep CapEff /proc/self/status > $HOME/setup-caps; "
                "ln -s /etc/shadow $HOME/shadow-link",
            ],
        ),
    ]
    image = ensure_env_image(
        docker_sandbox, docker_sandbox.config.image, stages, {}, workspace=workspace
    )
    made_images.append(image)
    out = _read(
        docker_sandbox,
        image,
        workspace,
        "evokernel-hello; python3 -c 'import evohello; print(evohello.GREETING)'; "
        "cat /home/evo/setup-uid /home/evo/setup-caps; id -u; grep CapEff /proc/self/status; "
        "stat -c %u /etc/shadow /home/evo/shadow-link /home/evo/setup-uid",
    ).splitlines()
    assert out[:2] == ["hello from a system package", "hello from a wheel"]
    # Setup ran as root with exactly the setup capabilities ...
    assert out[2] == "0" and int(out[3].split()[1], 16) == _SETUP_CAPS
    # ... validations from the image run as the sandbox user with none.
    assert out[4] == "1000" and int(out[5].split()[1], 16) == 0
    # The home went back to the user; the link was changed itself, not /etc/shadow.
    assert out[6:] == ["0", "1000", "1000"]


def test_setup_installs_from_the_debian_mirror_with_apt(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str]
) -> None:
    # The image's apt sources name the mirror the air-gapped build bootstrapped from.
    install = Stage(
        name="apt",
        kind=StageKind.SETUP,
        network=True,
        command=[
            "sh",
            "-c",
            "apt-get update -q && apt-get install -y -q --no-install-recommends hello",
        ],
    )
    image = ensure_env_image(
        docker_sandbox, docker_sandbox.config.image, [install], {}, workspace=workspace
    )
    made_images.append(image)
    assert _read(docker_sandbox, image, workspace, "hello; id -u") == "Hello, world!\n1000\n"


def test_a_setup_stage_past_its_timeout_is_killed_even_as_root(
    docker_sandbox: DockerSandbox, workspace: Path, made_images: list[str]
) -> None:
    # Root's processes die at the timeout as the sandbox user's do (pid 1 runs as root too).
    hang = Stage(name="hang", kind=StageKind.SETUP, timeout_s=2, command=["sleep", "300"])
    with pytest.raises(EnvSetupError) as raised:
        ensure_env_image(docker_sandbox, docker_sandbox.config.image, [hang], {})
    assert raised.value.stage == "hang"
    assert raised.value.result.timed_out
