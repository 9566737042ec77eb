"""Backend configuration: a union discriminated by kind; the factory imports lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import TypeAdapter, ValidationError

from sandbox import (
    DockerSandboxConfig,
    LocalSandbox,
    LocalSandboxConfig,
    SandboxConfig,
    make_sandbox,
)

ADAPTER: TypeAdapter[DockerSandboxConfig | LocalSandboxConfig] = TypeAdapter(SandboxConfig)


def test_kind_picks_the_model() -> None:
    docker = ADAPTER.validate_python({"kind": "docker", "pool_size": 3})
    local = ADAPTER.validate_python({"kind": "local", "unshare_network": False})
    assert isinstance(docker, DockerSandboxConfig) and docker.pool_size == 3
    assert docker.image == "evokernel/sandbox-python:0.2.0" and docker.user == "1000:1000"
    assert isinstance(local, LocalSandboxConfig) and local.unshare_network is False


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "podman"},
        {"kind": "docker", "imgae": "typo"},
        {"image": "no kind"},
        {"kind": "docker", "transfer": "ftp"},
    ],
)
def test_bad_config_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(data)


def test_make_sandbox_builds_the_local_backend() -> None:
    sandbox = make_sandbox(LocalSandboxConfig(unshare_network=False))
    assert isinstance(sandbox, LocalSandbox) and sandbox.isolates is False


def test_importing_sandbox_does_not_import_the_docker_sdk() -> None:
    code = "import sys, sandbox; print('docker' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
