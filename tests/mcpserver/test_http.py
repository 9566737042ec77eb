"""``evokernel mcp --transport http``: a real server process, the node API's rule on tokens."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from typer.testing import CliRunner

from evokernel.adapters.cli.app import app
from evokernel.adapters.mcpserver import TokenRequiredError, check_binding, is_loopback
from tests.cli.logging_state import logging_restored
from tests.conftest import GitRepoFactory
from tests.mcpserver.conftest import CALL_TIMEOUT_S, cart_files, run_async

EVOKERNEL = str(Path(sys.executable).parent / "evokernel")
TOKEN = "test-token-0123456789abcdef"
START_TIMEOUT_S = 60.0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_only_loopback_may_run_without_a_token(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_binding(host, "", "EVOKERNEL_MCP_TOKEN")
    else:
        with pytest.raises(TokenRequiredError, match=r"needs a bearer token: set \$EVOKERNEL_MCP"):
            check_binding(host, "", "EVOKERNEL_MCP_TOKEN")
    check_binding(host, TOKEN, "EVOKERNEL_MCP_TOKEN")


def test_binding_beyond_loopback_without_a_token_exits_2_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "store"
    with logging_restored():
        result = CliRunner().invoke(
            app,
            ["--store", str(store), "mcp", "--transport", "http", "--host", "0.0.0.0"],
            catch_exceptions=False,
        )
    assert result.exit_code == 2
    assert "TokenRequiredError" in result.output
    assert not store.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"evokernel mcp exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            # Not listening yet: wait for the process a little, then look again.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    raise AssertionError(f"evokernel mcp did not listen on {port} within {START_TIMEOUT_S} s")


@pytest.fixture
def http_server(git_repo: GitRepoFactory, tmp_path: Path) -> Iterator[str]:
    """``evokernel mcp --transport http`` with a token, on a free loopback port: its URL."""
    repo = git_repo(cart_files(), name="shop")
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "EVOKERNEL_MCP_TOKEN": TOKEN}
    args = ["--repo", str(repo), "--transport", "http", "--port", str(port)]
    process = subprocess.Popen(
        [EVOKERNEL, "-q", "--store", str(tmp_path / "store"), "mcp", *args],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(process, port)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_http_requests_need_the_bearer_token(http_server: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    with httpx.Client(timeout=30) as client:
        missing = client.post(http_server, json=body)
        wrong = client.post(http_server, json=body, headers={"Authorization": "Bearer nope"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 403
    assert wrong.json() == {"error": "Forbidden", "detail": "the bearer token is not valid here"}


def test_an_http_client_with_the_token_lists_tools_and_reads_status(http_server: str) -> None:
    async def session() -> tuple[list[str], dict[str, Any]]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT_S) as http:
            transport = streamable_http_client(http_server, http_client=http)
            async with Client(transport, read_timeout_seconds=CALL_TIMEOUT_S) as client:
                names = sorted(tool.name for tool in (await client.list_tools()).tools)
                status = await client.call_tool("status", {})
                assert status.structured_content is not None
                return names, status.structured_content

    names, status = run_async(session, timeout=CALL_TIMEOUT_S)
    assert names == ["capture", "replay", "search", "status", "validate"]
    assert status["records"] == 0
