"""``evokernel serve`` end to end: a real uvicorn process on 127.0.0.1, real HTTP requests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from evokernel.adapters.network import NodeIdentity
from store import EventLog

TOKEN = "serve-test-token"
EVOKERNEL = str(Path(sys.executable).with_name("evokernel"))
"""The console script installed next to this interpreter."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    """Poll /healthz until it answers; fail with what never happened."""
    deadline = time.monotonic() + deadline_s
    attempts = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode} before answering")
        attempts += 1
        try:
            httpx.get(f"{base}/healthz", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)  # polling interval while waiting for a condition with a deadline
    raise AssertionError(f"serve did not answer /healthz within {deadline_s}s ({attempts} tries)")


@contextmanager
def _serving(store_dir: Path, home: Path, *extra: str) -> Iterator[str]:
    """``evokernel serve`` on a free loopback port for ``store_dir``; stopped with Ctrl-C."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "EVOKERNEL_NETWORK_TOKEN": TOKEN,
        "EVOKERNEL_SANDBOX__KIND": "local",
    }
    process = subprocess.Popen(
        [EVOKERNEL, "--store", str(store_dir), "serve", "--port", str(port), *extra],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, process, deadline_s=30)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    store_dir = tmp_path / "store"
    NodeIdentity.generate().save(store_dir / "node")
    with _serving(store_dir, tmp_path) as base:
        yield base


def test_serve_exposes_metrics_and_health_and_guards_the_node_api(served: str) -> None:
    metrics = httpx.get(f"{served}/metrics", timeout=10)
    health = httpx.get(f"{served}/healthz", timeout=10)
    refused = httpx.get(f"{served}/v1/network/fetch", timeout=10)
    allowed = httpx.get(
        f"{served}/v1/network/fetch", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )

    assert metrics.status_code == 200 and "evokernel_store_last_seq 0.0" in metrics.text
    assert health.status_code == 200 and health.json()["checks"][0]["status"] == "ok"
    assert refused.status_code == 401
    assert allowed.status_code == 200


def test_serve_keeps_a_tampered_last_record_and_reports_it(tmp_path: Path) -> None:
    """A complete last line with its hash key renamed is not moved aside as a torn tail."""
    store_dir = tmp_path / "store"
    with EventLog.open(store_dir) as log:
        log.append_many([("k", {"n": n}) for n in range(5)])
    NodeIdentity.generate().save(store_dir / "node")
    path = store_dir / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'{"hash":', b'{"hash_":', 1)
    path.write_bytes(b"".join(lines))
    damaged = path.read_bytes()

    with _serving(store_dir, tmp_path) as base:
        health = httpx.get(f"{base}/healthz", timeout=10)
        metrics = httpx.get(f"{base}/metrics", timeout=10)

    assert health.status_code == 503 and health.json()["status"] == "failing"
    startup = next(c for c in health.json()["checks"] if c["name"] == "store_startup")
    assert startup["status"] == "failing"
    assert metrics.status_code == 200 and "evokernel_store_healthy 0.0" in metrics.text
    assert path.read_bytes() == damaged
    assert not (store_dir / "torn").exists()


def test_a_client_trickling_headers_is_dropped(tmp_path: Path) -> None:
    """Slow headers: one byte at a time, each well inside any idle timeout; the server must
    still close the connection once the header deadline passes."""
    store_dir = tmp_path / "store"
    NodeIdentity.generate().save(store_dir / "node")
    with _serving(store_dir, tmp_path, "--header-timeout", "1") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            client.settimeout(0.2)  # wait for the close this long, then trickle one more byte
            deadline = time.monotonic() + 30
            closed = False
            sent = 0
            while time.monotonic() < deadline and not closed:
                try:
                    closed = client.recv(1024) == b""
                except TimeoutError:
                    try:
                        client.sendall(b"X-Slow: y\r\n"[sent % 12 : sent % 12 + 1])
                        sent += 1
                    except OSError:
                        closed = True  # reset by the server
                except ConnectionResetError:
                    closed = True
        # A well-behaved client on the same server is still served.
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    assert closed, f"the server kept a trickling connection open for 30 s ({sent} bytes sent)"
