"""Workspaces reach the container intact (modes, links, ownership) in both transfer modes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import ExecRequest, SessionSpec
from sandbox.docker import DockerSandbox

pytestmark = pytest.mark.docker


@pytest.fixture
def sandbox(docker_sandbox_each_transfer: DockerSandbox) -> DockerSandbox:
    """Each test here runs in both transfer modes."""
    return docker_sandbox_each_transfer


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "pkg" / "deep").mkdir(parents=True)
    (root / "pkg" / "deep" / "data.txt").write_text("deep\n")
    script = root / "run.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o755)
    (root / "pkg" / "link-to-data").symlink_to("deep/data.txt")
    os.mkfifo(root / "a-fifo")
    return root


def test_the_workspace_arrives_with_modes_links_and_the_sandbox_user_as_owner(
    sandbox: DockerSandbox, workspace: Path
) -> None:
    with sandbox.open(SessionSpec(workspace=workspace)) as session:
        script = (
            "./run.sh; cat pkg/link-to-data; readlink pkg/link-to-data; "
            "stat -c '%u:%g' . run.sh pkg/deep/data.txt; test -e a-fifo || echo no-fifo; "
            "touch pkg/new-file && echo writable"
        )
        result = session.exec(ExecRequest(argv=["sh", "-c", script]))
    assert result.exit_code == 0, result
    assert result.stdout.split() == [
        "ran",
        "deep",
        "deep/data.txt",
        "1000:1000",
        "1000:1000",
        "1000:1000",
        "no-fifo",
        "writable",
    ]


def test_files_written_inside_are_read_back(sandbox: DockerSandbox, workspace: Path) -> None:
    with sandbox.open(SessionSpec(workspace=workspace)) as session:
        script = "mkdir -p out/xml && head -c 3000000 /dev/zero > out/xml/big.bin"
        assert session.exec(ExecRequest(argv=["sh", "-c", script])).exit_code == 0
        assert session.read_file("out/xml/big.bin") == b"\0" * 3_000_000
        assert session.read_file("out/xml/big.bin", max_bytes=10) == b"\0" * 10
        assert session.read_file("./pkg/deep/data.txt") == b"deep\n"
        assert session.read_file("pkg/link-to-data") is None
        assert session.read_file("a-fifo") is None


def test_the_engine_decides_the_automatic_mode(docker_sandbox: DockerSandbox) -> None:
    # This engine is local (unix socket, same host), so the automatic choice binds.
    assert docker_sandbox.engine.is_local()
    assert docker_sandbox.transfer_mode == "bind"
