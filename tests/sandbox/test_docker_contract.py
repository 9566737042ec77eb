"""The Docker backend passes the sandbox contract, with either way of moving the workspace."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.docker import DockerSandbox
from tests.sandbox.contract import SandboxContract

pytestmark = pytest.mark.docker


class TestDockerSandboxContract(SandboxContract):
    """Bind-mounted slot directories (what a local engine gets)."""

    @pytest.fixture
    def sandbox(self, docker_sandbox: DockerSandbox) -> Sandbox:
        assert docker_sandbox.transfer_mode == "bind"
        return docker_sandbox


class TestDockerArchiveSandboxContract(SandboxContract):
    """``put_archive`` uploads into a tmpfs volume (what a remote engine gets)."""

    @pytest.fixture
    def sandbox(self, docker_archive_sandbox: DockerSandbox) -> Sandbox:
        assert docker_archive_sandbox.transfer_mode == "archive"
        return docker_archive_sandbox
