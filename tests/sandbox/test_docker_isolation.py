"""What untrusted code can and cannot do inside a Docker session (Docker only: the local
backend does not isolate, so it has no such contract).

Every check runs hostile code for real and asserts the effect, plus one test that reads the
isolation settings back from the engine, so a default that silently changed is caught.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import ExecRequest, ExecResult, SessionError, SessionSpec
from sandbox.docker import DockerSandbox, DockerSession
from tests.sandbox.docker_support import BOMB_LIMITS, inspect_container

pytestmark = pytest.mark.docker

_FORK_BOMB = """
import os
r, w = os.pipe()
count, error = 0, "none"
for _ in range(10000):  # bounded even if no limit held it
    try:
        pid = os.fork()
    except OSError as exc:
        error = exc.strerror
        break
    if pid == 0:
        os.close(w)
        os.read(r, 1)  # block until the parent closes the pipe, then leave
        os._exit(0)
    count += 1
os.close(w)
for _ in range(count):
    os.wait()
print(count, error)
"""

_MEMORY_BOMB = """
hog = []
while True:
    hog.append(bytearray(1 << 20))  # zero-filled: every page is touched
"""

_HOLD_EVERY_PID = """
import os, time
while True:
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
    except OSError:
        time.sleep(600)  # every pid is taken; hold them
"""

_STOP_PID_1 = """
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, 1, None, None) != 0:  # PTRACE_ATTACH: pid 1 stops
    print("attach failed:", os.strerror(ctypes.get_errno()), flush=True)
else:
    print("pid 1 stopped", flush=True)
time.sleep(600)
"""

_CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError as exc:
    print("blocked", exc.errno)
else:
    print("CONNECTED")
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    (path / "hello.txt").write_text("hello\n")
    return path


@pytest.fixture
def session(docker_sandbox: DockerSandbox, workspace: Path) -> Iterator[DockerSession]:
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as opened:
        yield opened


@pytest.fixture
def bomb_session(docker_sandbox: DockerSandbox, workspace: Path) -> Iterator[DockerSession]:
    with docker_sandbox.open(SessionSpec(workspace=workspace, limits=BOMB_LIMITS)) as opened:
        yield opened


def sh(session: DockerSession, script: str, timeout_s: float = 60.0) -> ExecResult:
    return session.exec(ExecRequest(argv=["sh", "-c", script], timeout_s=timeout_s))


def python(session: DockerSession, source: str, *args: str, timeout_s: float = 60.0) -> ExecResult:
    return session.exec(ExecRequest(argv=["python3", "-c", source, *args], timeout_s=timeout_s))


def _host_address(interface: str) -> str | None:
    """The IPv4 address the host itself holds on ``interface`` (an ioctl; no packet is sent)."""
    siocgifaddr = 0x8915
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            packed = fcntl.ioctl(
                probe.fileno(), siocgifaddr, struct.pack("256s", interface[:15].encode())
            )
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


# -- network ---------------------------------------------------------------------------------


def test_only_the_loopback_interface_exists(session: DockerSession) -> None:
    assert sh(session, "ls /sys/class/net").stdout.split() == ["lo"]


def test_a_listener_on_the_host_loopback_is_unreachable(session: DockerSession) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        result = python(session, _CONNECT, "127.0.0.1", str(port))
        assert result.stdout.startswith("blocked"), result
        listener.settimeout(0)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever arrived


def test_the_hosts_own_bridge_address_is_unreachable(
    session: DockerSession, docker_engine: object
) -> None:
    bridge = _host_address("docker0")
    gateways = [
        config.get("Gateway")
        for config in docker_engine.api.inspect_network("bridge")["IPAM"]["Config"]  # type: ignore[attr-defined]
    ]
    if bridge is None or bridge not in gateways:
        # Only the host's own address on docker0 may be dialled; without one there is nothing
        # to try, and the loopback test above still holds.
        assert sh(session, "ls /sys/class/net").stdout.split() == ["lo"]
        return
    with socket.create_server((bridge, 0)) as listener:
        result = python(session, _CONNECT, bridge, str(listener.getsockname()[1]))
        assert result.stdout.startswith("blocked"), result
        listener.settimeout(0)
        with pytest.raises(BlockingIOError):
            listener.accept()


# -- filesystem ------------------------------------------------------------------------------


def test_the_root_filesystem_is_read_only(session: DockerSession) -> None:
    for target in ("/evil", "/usr/bin/evil", "/etc/passwd"):
        result = sh(session, f"echo x >> {target}")
        assert result.exit_code != 0
        assert "Read-only file system" in result.stderr or "Permission denied" in result.stderr
    assert sh(session, "echo ok > /tmp/scratch && cat /tmp/scratch").stdout == "ok\n"


def test_tmp_is_a_size_capped_tmpfs(bomb_session: DockerSession) -> None:
    result = sh(bomb_session, "head -c 40000000 /dev/zero > /tmp/big")  # 40 MB > 16 MB cap
    assert result.exit_code != 0
    assert "No space left on device" in result.stderr


def test_host_paths_cannot_be_written(session: DockerSession, tmp_path: Path) -> None:
    victim = tmp_path / "host-only" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("original\n")
    result = sh(session, f"echo pwned > {victim}; echo pwned > ../escaped; ls {victim.parent}")
    assert result.exit_code != 0
    assert victim.read_text() == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["host-only", "workspace"]
    # The workspace itself is a copy: the host's stays as it was.
    assert sh(session, "echo changed > hello.txt").exit_code == 0
    assert (tmp_path / "workspace" / "hello.txt").read_text() == "hello\n"


def test_a_host_symlink_in_the_workspace_is_copied_as_a_link_not_followed(
    docker_sandbox: DockerSandbox, workspace: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host secret\n")
    (workspace / "escape").symlink_to(secret)
    with docker_sandbox.open(SessionSpec(workspace=workspace)) as session:
        assert sh(session, "readlink escape").stdout.strip() == str(secret)
        assert "host secret" not in sh(session, "cat escape").stdout
        assert session.read_file("escape") is None


# -- privileges ------------------------------------------------------------------------------


def test_every_capability_is_dropped_and_privileges_cannot_grow(session: DockerSession) -> None:
    status = dict(
        line.split(":\t", 1) for line in sh(session, "cat /proc/self/status").stdout.splitlines()
    )
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert status[field] == "0000000000000000", field
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] != "0"  # the engine's default profile stays on


def test_commands_and_pid_1_run_as_the_unprivileged_user(session: DockerSession) -> None:
    assert sh(session, "id -u; id -g").stdout.split() == ["1000", "1000"]
    uid_line = sh(session, "grep '^Uid:' /proc/1/status").stdout.split()
    assert uid_line[1:] == ["1000"] * 4


# -- limits ----------------------------------------------------------------------------------


def test_a_fork_bomb_is_held_by_the_pids_limit(bomb_session: DockerSession) -> None:
    result = python(bomb_session, _FORK_BOMB, timeout_s=120)
    assert result.exit_code == 0, result
    count, error = result.stdout.split(maxsplit=1)
    assert 0 < int(count) < BOMB_LIMITS.pids
    assert "Resource temporarily unavailable" in error
    assert sh(bomb_session, "echo still usable").stdout == "still usable\n"


def test_a_memory_bomb_is_reported_as_an_oom_kill(bomb_session: DockerSession) -> None:
    result = python(bomb_session, _MEMORY_BOMB, timeout_s=120)
    assert result.oom_killed, result
    assert result.exit_code == 137
    assert not result.timed_out


def test_a_sigkill_that_is_not_an_oom_is_not_called_one(session: DockerSession) -> None:
    result = sh(session, "kill -9 $$")
    assert result.exit_code == 137
    assert not result.oom_killed


def test_a_cpu_spin_and_its_children_are_killed_at_the_timeout(
    session: DockerSession, docker_engine: object
) -> None:
    spin = "python3 -c 'while True: pass'"
    result = sh(session, f"{spin} & {spin} & sh -c '{spin}' & wait", timeout_s=2)
    assert result.timed_out and result.exit_code is None
    assert result.duration_s < 30
    # The engine, not the container, says what is left: pid 1 and its sleep.
    processes = docker_engine.api.top(session.container_id)["Processes"]  # type: ignore[attr-defined]
    assert len(processes) <= 2, processes
    assert sh(session, "echo alive").stdout == "alive\n"


def test_a_100_mb_flood_is_capped_keeping_head_and_tail(session: DockerSession) -> None:
    result = sh(session, "echo HEAD; yes | head -c 100000000; echo; echo TAIL", timeout_s=120)
    assert result.exit_code == 0
    assert result.stdout.startswith("HEAD\n")
    assert result.stdout.endswith("\nTAIL\n")
    cap = session.spec.limits.output_cap_bytes
    total = len("HEAD\n") + 100_000_000 + len("\nTAIL\n")
    assert result.stdout_dropped_bytes == total - cap
    assert len(result.stdout.encode()) < cap + 200


def test_a_timeout_kills_a_fork_bomb_that_holds_every_pid(
    docker_sandbox: DockerSandbox, workspace: Path, docker_engine: object
) -> None:
    # The tree kill needs no new process: the engine signals pid 1, which runs kill -9 -1.
    limits = BOMB_LIMITS.model_copy(update={"pids": 32})
    with docker_sandbox.open(SessionSpec(workspace=workspace, limits=limits)) as session:
        result = python(session, _HOLD_EVERY_PID, timeout_s=3)
        assert result.timed_out and result.exit_code is None
        processes = docker_engine.api.top(session.container_id)["Processes"]  # type: ignore[attr-defined]
        assert len(processes) <= 2, processes
        assert session.spent_reason is None
        assert sh(session, "echo alive").stdout == "alive\n"


def test_a_tampered_pid_1_cannot_keep_a_tree_alive(session: DockerSession) -> None:
    # The command stops pid 1 (ptrace), so pid 1 cannot kill the tree at the timeout; the
    # engine still sees the processes, and the container itself is killed.
    result = python(session, _STOP_PID_1, timeout_s=3)
    assert result.timed_out and result.stdout == "pid 1 stopped\n"
    assert session.spent_reason is not None
    assert session.read_file("hello.txt") == b"hello\n"  # results can still be read
    with pytest.raises(SessionError, match="spent"):
        sh(session, "true")


# -- environment and what the engine says ------------------------------------------------------


def test_the_engine_reports_every_isolation_default(
    session: DockerSession, docker_engine: object
) -> None:
    info = inspect_container(docker_engine, session.container_id)
    host, config = info["HostConfig"], info["Config"]
    limits = session.spec.limits
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["Privileged"] is False
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Memory"] == host["MemorySwap"] == limits.memory_mb * 1024 * 1024
    assert host["PidsLimit"] == limits.pids
    assert host["NanoCpus"] == int(limits.cpus * 1_000_000_000)
    assert f"size={limits.tmpfs_mb}m" in host["Tmpfs"]["/tmp"]
    assert config["User"] == "1000:1000"
    assert [m["Destination"] for m in info["Mounts"]] == ["/workspace"]
    labels = config["Labels"]
    assert labels["evokernel.managed"] == "true"
    assert labels["evokernel.owner_pid"] == str(os.getpid())


def test_a_host_secret_is_absent_inside(
    docker_sandbox: DockerSandbox,
    workspace: Path,
    docker_engine: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVOKERNEL_TEST_API_TOKEN", "hunter2")
    spec = SessionSpec(workspace=workspace, env={"SERVICE_SECRET": "hunter2", "PLAIN": "1"})
    with docker_sandbox.open(spec) as session:
        first = sh(session, "env").stdout  # through the primed waiter
        second = sh(session, "env").stdout  # through a plain exec
        config_env = inspect_container(docker_engine, session.container_id)["Config"]["Env"]
    for seen in (first, second, "\n".join(config_env)):
        assert "hunter2" not in seen
        assert "API_TOKEN" not in seen and "SERVICE_SECRET" not in seen
    assert "PLAIN=1" in first.splitlines() and "PLAIN=1" in second.splitlines()
