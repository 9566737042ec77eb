"""The local backend passes the sandbox contract, and does what a process can do alone."""

from __future__ import annotations

import logging
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import (
    ExecRequest,
    LocalSandbox,
    LocalSandboxConfig,
    Sandbox,
    SessionError,
    SessionSpec,
)
from tests.processes import wait_until_gone
from tests.sandbox.conftest import VENV_BIN
from tests.sandbox.contract import SandboxContract


class TestLocalSandboxContract(SandboxContract):
    @pytest.fixture
    def sandbox(self, local_sandbox: LocalSandbox) -> Sandbox:
        return local_sandbox


def test_local_backend_says_it_does_not_isolate(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sandbox.local"):
        sandbox = LocalSandbox(LocalSandboxConfig(unshare_network=False))
    assert sandbox.isolates is False
    assert sandbox.name == "local"
    assert sandbox.image_id() is None
    assert any("does not isolate" in r.getMessage() for r in caplog.records)


def test_leftover_background_processes_die_with_the_command(
    local_sandbox: LocalSandbox, tmp_path: Path
) -> None:
    with local_sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        script = "sleep 300 > /dev/null 2>&1 & echo $!"
        result = session.exec(ExecRequest(argv=["sh", "-c", script], timeout_s=30))
    assert result.exit_code == 0 and not result.timed_out
    assert wait_until_gone(int(result.stdout.strip()))


def test_timeout_also_kills_processes_that_left_the_group(
    local_sandbox: LocalSandbox, tmp_path: Path
) -> None:
    # setsid puts the sleeper in its own session: killpg cannot reach it, the marker can.
    script = "setsid sleep 300 > /dev/null 2>&1 & echo $! > escaped; sleep 300"
    with local_sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        result = session.exec(ExecRequest(argv=["sh", "-c", script], timeout_s=2))
    assert result.timed_out
    assert wait_until_gone(int((tmp_path / "escaped").read_text()))


def test_file_size_rlimit_applies(tmp_path: Path) -> None:
    sandbox = LocalSandbox(LocalSandboxConfig(max_file_mb=1, unshare_network=False))
    with sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        script = "head -c 3000000 /dev/zero > big.bin"
        result = session.exec(ExecRequest(argv=["sh", "-c", script]))
    assert result.exit_code != 0
    assert (tmp_path / "big.bin").stat().st_size <= 1024 * 1024


def test_home_and_tmpdir_are_private_and_removed(
    local_sandbox: LocalSandbox, tmp_path: Path
) -> None:
    with local_sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        result = session.exec(ExecRequest(argv=["sh", "-c", 'echo "$HOME"; echo "$TMPDIR"']))
        home, tmpdir = result.stdout.split()
        assert Path(home).is_dir() and tmpdir.startswith(home)
    assert not Path(home).exists()


def test_cwd_outside_the_workspace_is_refused(local_sandbox: LocalSandbox, tmp_path: Path) -> None:
    with local_sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        with pytest.raises(SessionError):
            session.exec(ExecRequest(argv=["pwd"], cwd="/etc"))
        with pytest.raises(SessionError):
            session.exec(ExecRequest(argv=["pwd"], cwd="../.."))


@pytest.fixture
def loopback_listener() -> Iterator[tuple[socket.socket, int]]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server, server.getsockname()[1]
    server.close()


def test_no_network_without_permission_with_network_when_asked(
    local_sandbox: LocalSandbox, tmp_path: Path, loopback_listener: tuple[socket.socket, int]
) -> None:
    if not local_sandbox.network_isolated:
        # Where the kernel forbids it, the backend must say so rather than pretend.
        probe = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True)
        assert probe.returncode != 0, "unshare works here, so the backend must use it"
        return
    _server, port = loopback_listener
    connect = (
        "import socket, sys\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=5).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused', exc)\n"
    )
    argv = [f"{VENV_BIN}/python3", "-c", connect]
    with local_sandbox.open(SessionSpec(workspace=tmp_path)) as session:
        isolated = session.exec(ExecRequest(argv=argv, timeout_s=30))
    with local_sandbox.open(SessionSpec(workspace=tmp_path, network=True)) as session:
        allowed = session.exec(ExecRequest(argv=argv, timeout_s=30))
    assert isolated.stdout.startswith("refused"), isolated
    assert allowed.stdout.startswith("connected"), allowed
