"""``evokernel mcp`` as a real subprocess, driven over stdio by the SDK's own client: an agent's
whole session, checked against the store and the repositories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import get_default_environment
from mcp.types import CallToolResult

from tests.conftest import GitRepoFactory
from tests.mcpserver.conftest import (
    CALL_TIMEOUT_S,
    cart_files,
    fix_for,
    run_async,
    run_side_by_side,
    store_records,
    wrong_fix_for,
)

EVOKERNEL = str(Path(sys.executable).parent / "evokernel")


def _server(store_dir: Path, cwd: Path, *args: str) -> Client:
    """A client that starts ``evokernel --store STORE mcp ARGS`` in ``cwd`` over stdio."""
    env = get_default_environment()
    env.update({k: v for k, v in os.environ.items() if k.startswith("DOCKER_")})
    params = StdioServerParameters(
        command=EVOKERNEL,
        args=["-q", "--store", str(store_dir), "mcp", *args],
        cwd=str(cwd),
        env=env,
    )
    return Client(params, read_timeout_seconds=CALL_TIMEOUT_S)


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def _git(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_stdio_server_lists_tools_and_refuses_a_repo_outside_its_own(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(cart_files(), name="shop")
    other = git_repo(cart_files(), name="other")

    async def session() -> tuple[list[str], str, dict[str, Any]]:
        async with _server(tmp_path / "store", tmp_path, "--repo", str(repo)) as client:
            names = sorted(tool.name for tool in (await client.list_tools()).tools)
            refused = await client.call_tool("replay", {"repo": str(other)})
            assert refused.is_error and refused.content[0].type == "text"
            return names, refused.content[0].text, _data(await client.call_tool("status", {}))

    names, refused, status = run_async(session)
    assert names == ["capture", "replay", "search", "status", "validate"]
    assert "RepoOutsideRootError:" in refused and str(other.resolve()) in refused
    assert status["store"] == str(tmp_path / "store")
    # the refused replay wrote nothing; the one record is the status call (a reading run)
    records = store_records(tmp_path / "store")
    assert [(kind, payload["run_id"]) for kind, payload in records] == [
        ("tool_called", status["run_id"])
    ]


@pytest.mark.docker
def test_an_agent_session_over_stdio_captures_then_replays_on_another_repository(
    git_repo: GitRepoFactory, tmp_path: Path, docker_engine: object
) -> None:
    first = git_repo(cart_files(), name="shop")
    second = git_repo(cart_files(moved=True), name="shop-fork")
    store_dir = tmp_path / "store"
    wrong, right = wrong_fix_for(first), fix_for(first)

    async def session() -> dict[str, dict[str, Any]]:
        async with _server(store_dir, tmp_path) as client:
            repo = {"repo": str(first), "task": "the discount is a fraction"}
            out = {"miss": _data(await client.call_tool("replay", repo))}
            out["wrong"] = _data(await client.call_tool("validate", {**repo, "diff": wrong}))
            out["right"] = _data(await client.call_tool("validate", {**repo, "diff": right}))
            out["capture"] = _data(await client.call_tool("capture", {**repo, "diff": right}))
            out["hit"] = _data(await client.call_tool("replay", {"repo": str(second)}))
            return out

    out = run_async(session)
    test_id = "tests/test_cart.py::test_total_with_discount"
    # 1. replay misses: nothing is stored yet.
    assert (out["miss"]["hit"], out["miss"]["next_action"]) == (False, "call_agent")
    # 2. validate a wrong diff: the feedback names the failing test.
    assert out["wrong"]["passed"] is False
    assert out["wrong"]["feedback"]["failing_tests"] == [test_id]
    # 3. validate the right one: it passes.
    assert (out["right"]["passed"], out["right"]["feedback"]["fixed_since_last"]) == (
        True,
        [test_id],
    )
    # 4. capture it.
    capture = out["capture"]
    assert capture["accepted"] is True
    # 5. Another repository, the same failure in moved code: replay hits with a diff that
    #    applies to that tree, and evidence back to the capturing run.
    hit = out["hit"]
    assert (hit["hit"], hit["reason_code"]) == (True, "replay_hit")
    assert hit["evidence"]["capsule_id"] == capture["capsule_id"]
    assert hit["evidence"]["original_run_id"] == capture["run_id"]
    assert hit["receipt"]["verdict"] == "pass"
    assert _git(second, "status", "--porcelain").stdout == ""  # replay left the tree alone
    applied = _git(second, "apply", "-", stdin=hit["diff"])
    assert applied.returncode == 0, applied.stderr
    assert "subtotal * (1 - discount)" in (second / "shop/cart.py").read_text()
    # The store holds each call as its own run; the reuse names both runs.
    records = store_records(store_dir)
    reused = [p for kind, p in records if kind == "capsule_reused"]
    assert [(p["capsule_id"], p["run_id"], p["replay_run_id"]) for p in reused] == [
        (capture["capsule_id"], capture["run_id"], hit["run_id"])
    ]
    started = [p["run_id"] for kind, p in records if kind == "task_received"]
    assert started == [out[name]["run_id"] for name in ("miss", "wrong", "right", "capture", "hit")]


@pytest.mark.docker
def test_two_servers_sharing_a_store_capture_at_once_and_the_chain_holds(
    git_repo: GitRepoFactory, tmp_path: Path, docker_engine: object
) -> None:
    """Two agents, each with its own ``evokernel mcp`` process, on one store."""
    repos = [git_repo(cart_files(), name="left"), git_repo(cart_files(moved=True), name="right")]
    store_dir = tmp_path / "store"
    captured: list[dict[str, Any]] = [{}, {}]

    async def agent(slot: int) -> None:
        repo = repos[slot]
        async with _server(store_dir, tmp_path, "--repo", str(repo)) as client:
            arguments = {"diff": fix_for(repo), "task": f"agent {slot}"}
            captured[slot] = _data(await client.call_tool("capture", arguments))

    run_side_by_side(agent)
    assert [c["accepted"] for c in captured] == [True, True]
    records = store_records(store_dir)  # the hash chain verifies across both writers
    runs = [p["run_id"] for kind, p in records if kind == "task_received"]
    assert sorted(runs) == sorted(c["run_id"] for c in captured)
    solidified = [p["run_id"] for kind, p in records if kind == "gene_solidified"]
    assert sorted(solidified) == sorted(runs)
