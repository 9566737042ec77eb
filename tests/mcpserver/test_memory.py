"""The MCP server in memory, through the SDK's own client, against real repositories, the real
store and (where marked) the real Docker sandbox. Results are checked against the store."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from mcp import Client, MCPError
from mcp.types import CallToolResult, TextResourceContents

from evokernel.adapters.mcpserver import EvoTools, build_server
from evokernel.demo.repos import unified_diff
from tests.mcpserver.conftest import (
    CALL_TIMEOUT_S,
    fix_for,
    run_async,
    run_side_by_side,
    store_records,
    wrong_fix_for,
)


def _client(tools: EvoTools, heartbeat_s: float = 10.0) -> Client:
    server = build_server(tools, heartbeat_s=heartbeat_s)
    return Client(server, read_timeout_seconds=CALL_TIMEOUT_S)


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def _error(result: CallToolResult) -> str:
    assert result.is_error
    text = result.content[0]
    assert text.type == "text"
    return text.text


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60)
    return done.stdout


def _runs(store_dir: Path, run_id: str) -> list[str]:
    """The kinds the store holds for ``run_id`` (its own run, or the replay run it was)."""
    return [
        kind
        for kind, payload in store_records(store_dir)
        if (payload.get("replay_run_id") or payload.get("run_id")) == run_id
    ]


def test_tools_are_listed_with_schemas_from_our_models(tools: EvoTools) -> None:
    async def listed() -> dict[str, Any]:
        async with _client(tools) as client:
            return {tool.name: tool for tool in (await client.list_tools()).tools}

    found = run_async(listed)
    assert sorted(found) == ["capture", "replay", "search", "status", "validate"]
    assert set(found["validate"].input_schema["properties"]) == {"repo", "diff", "task", "rev"}
    assert found["search"].input_schema["required"] == ["query"]
    # The result models are the output schemas, their field docstrings the descriptions.
    replay_out = found["replay"].output_schema
    assert replay_out is not None and "hit" in replay_out["properties"]
    assert "as it applies to this tree" in replay_out["properties"]["diff"]["description"]
    assert found["search"].annotations is not None and found["search"].annotations.read_only_hint
    assert "working tree" in (found["validate"].description or "")


def test_bad_input_is_a_tool_error_with_our_message_and_the_server_stays_up(
    tools: EvoTools, cart_repo: Path, store_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    hostile = "--- a/../escape.py\n+++ b/../escape.py\n@@ -0,0 +1 @@\n+x = 1\n"

    async def calls() -> tuple[list[str], dict[str, Any]]:
        async with _client(tools) as client:
            errors = [
                _error(await client.call_tool("validate", {"diff": "this is not a diff"})),
                _error(await client.call_tool("capture", {"diff": hostile})),
                _error(await client.call_tool("replay", {"repo": str(outside)})),
                _error(await client.call_tool("validate", {})),
                _error(await client.call_tool("replay", {"rev": "no-such-rev"})),
                _error(await client.call_tool("search", {"query": "capsule_0123456789ab"})),
                _error(await client.call_tool("search", {"query": ""})),
            ]
            # A revision that git would read as an option is refused before git sees it so.
            option = {"rev": f"--output={tmp_path / 'pwned'}"}
            errors.append(_error(await client.call_tool("validate", option)))
            for uri in ("evokernel://capsules/capsule_0123456789ab", "evokernel://runs/run_x"):
                with pytest.raises(MCPError) as raised:
                    await client.read_resource(uri)
                errors.append(str(raised.value))
            return errors, _data(await client.call_tool("status", {}))

    errors, status = run_async(calls)
    assert errors[0].endswith(
        "PatchRefusedError: patch refused (empty_diff): no file headers found"
    )
    assert "PatchRefusedError: patch refused (outside_repo" in errors[1]
    assert f"RepoOutsideRootError: {outside.resolve()} is outside the repository" in errors[2]
    assert "EmptyChangeError: no diff given and the working tree" in errors[3]
    assert "RepositoryError:" in errors[4] and "no-such-rev" in errors[4]
    assert "AssetNotFoundError: no gene or capsule with id 'capsule_0123456789ab'" in errors[5]
    assert "query" in errors[6]  # the schema's min_length, named by the SDK
    assert "RepositoryError:" in errors[7] and not (tmp_path / "pwned").exists()
    assert "AssetNotFoundError: no gene or capsule with id 'capsule_0123456789ab'" in errors[8]
    assert "RunNotFoundError: no run 'run_x' in the store" in errors[9]
    # Still serving, and bad input wrote nothing.
    assert status["records"] == 0
    # bad input wrote nothing; the one record is the status call itself (a reading run)
    assert [kind for kind, _payload in store_records(store_dir)] == ["tool_called"]
    assert _git(cart_repo, "status", "--porcelain") == ""


@pytest.mark.docker
def test_an_agent_session_in_memory_records_every_call_as_a_run(
    tools: EvoTools, cart_repo: Path, store_dir: Path, docker_engine: object
) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(step: float, total: float | None, message: str | None) -> None:
        progress.append((step, total, message))

    async def session() -> dict[str, dict[str, Any]]:
        # A heartbeat interval far shorter than a sandbox run: every step sends heartbeats.
        async with _client(tools, heartbeat_s=0.05) as client:
            out = {"miss": _data(await client.call_tool("replay", {"task": "fix the cart"}))}
            out["wrong"] = _data(
                await client.call_tool(
                    "validate", {"diff": wrong_fix_for(cart_repo)}, progress_callback=on_progress
                )
            )
            out["right"] = _data(await client.call_tool("validate", {"diff": fix_for(cart_repo)}))
            out["capture"] = _data(
                await client.call_tool(
                    "capture", {"diff": fix_for(cart_repo), "task": "apply the discount"}
                )
            )
            out["search"] = _data(
                await client.call_tool("search", {"query": "exception:AssertionError"})
            )
            out["words"] = _data(await client.call_tool("search", {"query": "discount"}))
            out["status"] = _data(await client.call_tool("status", {}))
            capsule = await client.read_resource(
                f"evokernel://capsules/{out['capture']['capsule_id']}"
            )
            run = await client.read_resource(f"evokernel://runs/{out['capture']['run_id']}")
            patch = await client.read_resource(
                f"evokernel://capsules/{out['capture']['capsule_id']}/diff"
            )
            patch_text = patch.contents[0]
            assert isinstance(patch_text, TextResourceContents)
            out["diff_resource"] = {"text": patch_text.text, "mime": patch_text.mime_type}
            for name, read in (("capsule_resource", capsule), ("run_resource", run)):
                content = read.contents[0]
                assert isinstance(content, TextResourceContents)
                out[name] = orjson.loads(content.text)
            return out

    out = run_async(session)
    test_id = "tests/test_cart.py::test_total_with_discount"
    # 1. Nothing stored yet: a miss, with the reason and the failing test.
    assert (out["miss"]["hit"], out["miss"]["reason_code"]) == (False, "no_candidates")
    assert out["miss"]["failing_tests"] == [test_id]
    # 2. The wrong fix: the feedback names the test that still fails, test by test.
    wrong = out["wrong"]
    assert (wrong["passed"], wrong["reason_code"], wrong["failure_class"]) == (
        False,
        "tests_failed",
        "patch",
    )
    assert wrong["feedback"]["failing_tests"] == [test_id]
    assert wrong["feedback"]["next_action"] == "retry_with_feedback"
    verdicts = {t["test"]: (t["baseline"], t["patched"], t["change"]) for t in wrong["tests"]}
    assert verdicts[test_id] == ("failed", "failed", "still_failing")
    # Progress: the steps (baseline, validation, verdict), heartbeats between them, always
    # increasing as the protocol requires.
    values = [step for step, _total, _message in progress]
    assert values == sorted(set(values))
    assert [v for v in values if v == int(v)] == [0, 1, 2]
    beats = [(v, m) for v, _total, m in progress if v != int(v)]
    assert beats and all(0 < v < 2 and m and m.endswith(" s)") for v, m in beats)
    assert {total for _step, total, _message in progress} == {2}
    # 3. The right fix: it passes, and the test is fixed since the last attempt.
    right = out["right"]
    assert (right["passed"], right["reason_code"]) == (True, "accepted")
    assert right["feedback"]["fixed_since_last"] == [test_id]
    assert right["feedback"]["accepted"] is True
    # 4. Capture: a capsule, found again by signal and by words, readable as a resource.
    capture = out["capture"]
    assert capture["accepted"] and capture["capsule_id"]
    assert [h["capsule_id"] for h in out["search"]["hits"]] == [capture["capsule_id"]]
    assert out["search"]["matched_by"] == "signals"
    assert [h["capsule_id"] for h in out["words"]["hits"]] == [capture["capsule_id"]]
    assert out["capsule_resource"]["capsule"]["diff"] == fix_for(cart_repo)
    assert out["capsule_resource"]["capsule"]["origin_run_id"] == capture["run_id"]
    assert out["diff_resource"] == {"text": fix_for(cart_repo), "mime": "text/x-diff"}
    assert "capsule_committed" in [e["kind"] for e in out["run_resource"]["entries"]]
    assert out["run_resource"]["run"]["outcome"] == "captured"
    # Every call is a run of its own in the store, with its own events.
    run_ids = [out[name]["run_id"] for name in ("miss", "wrong", "right", "capture")]
    assert len(set(run_ids)) == 4
    assert "replay_lookup_recorded" in _runs(store_dir, run_ids[0])
    assert {"mutation_proposed", "validation_completed", "mutation_rejected"} <= set(
        _runs(store_dir, run_ids[1])
    )
    assert "mutation_rejected" not in _runs(store_dir, run_ids[2])
    assert "gene_solidified" in _runs(store_dir, run_ids[3])
    last = {r["run_id"]: r["outcome"] for r in out["status"]["last_runs"]}
    assert last[run_ids[3]] == "captured"
    assert last[run_ids[2]] == "validated"
    assert last[run_ids[1]] == "rejected:tests_failed"
    assert last[run_ids[0]] == "missed"
    assert out["status"]["capsules"] == {capture["state"]: 1}
    # No call touched the working tree or the index.
    assert _git(cart_repo, "status", "--porcelain") == ""


@pytest.mark.docker
def test_validate_without_a_diff_judges_the_uncommitted_changes_and_leaves_them(
    tools: EvoTools, cart_repo: Path, docker_engine: object
) -> None:
    cart = cart_repo / "shop/cart.py"
    cart.write_text(cart.read_text().replace("subtotal - discount", "subtotal * (1 - discount)"))
    (cart_repo / "shop/notes.py").write_text("NOTE = 'a new, untracked file'\n")
    status_before = _git(cart_repo, "status", "--porcelain")

    async def validate() -> dict[str, Any]:
        async with _client(tools) as client:
            return _data(await client.call_tool("validate", {}))

    result = run_async(validate)
    assert (result["passed"], result["reason_code"]) == (True, "accepted")
    assert result["blast_radius"]["files"] == ["shop/cart.py", "shop/notes.py"]
    assert _git(cart_repo, "status", "--porcelain") == status_before
    assert _git(cart_repo, "diff", "--cached") == ""


@pytest.mark.docker
def test_two_clients_at_once_keep_the_store_consistent(
    tools: EvoTools, cart_repo: Path, store_dir: Path, docker_engine: object
) -> None:
    diffs = [wrong_fix_for(cart_repo), fix_for(cart_repo)]
    results: list[dict[str, Any]] = [{}, {}]

    async def one(slot: int) -> None:
        async with _client(tools) as client:
            results[slot] = _data(await client.call_tool("validate", {"diff": diffs[slot]}))

    run_side_by_side(one)
    assert [r["passed"] for r in results] == [False, True]
    assert results[0]["run_id"] != results[1]["run_id"]
    store_records(store_dir)  # the chain verifies
    for result in results:
        kinds = _runs(store_dir, result["run_id"])
        assert kinds.count("task_received") == 1
        assert kinds.count("validation_completed") == 1


@pytest.mark.docker
def test_capture_refuses_a_diff_that_edits_the_tests_as_the_cli_does(
    tools: EvoTools, cart_repo: Path, store_dir: Path, docker_engine: object
) -> None:
    tests_file = cart_repo / "tests/test_cart.py"
    cheat = unified_diff(
        cart_repo, "tests/test_cart.py", tests_file.read_text().replace("== 15.0", "== 19.75")
    )

    async def capture() -> dict[str, Any]:
        async with _client(tools) as client:
            return _data(await client.call_tool("capture", {"diff": cheat}))

    result = run_async(capture)
    assert (result["accepted"], result["reason_code"], result["next_action"]) == (
        False,
        "test_edits_refused",
        "revert_test_edits",
    )
    assert result["capsule_id"] is None
    kinds = [kind for kind, _payload in store_records(store_dir)]
    assert "mutation_rejected" in kinds and "capsule_committed" not in kinds


def test_search_and_status_calls_are_runs_in_the_store(tmp_path: Path) -> None:
    """Reading tools are runs too: one ``tool_called`` each, with the run id they returned."""
    from evokernel.adapters.mcpserver.tools import EvoTools
    from evokernel.application.config import EvoConfig
    from store import EventLog

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    store_dir = tmp_path / "store"
    EventLog.open(store_dir).close()
    tools = EvoTools(EvoConfig(), store_dir, repo)
    try:
        searched = tools.search("KeyError in cart.total")
        first = tools.status(runs=3)
        second = tools.status(runs=3)
    finally:
        tools.close()
    with EventLog.open_readonly(store_dir) as log:
        calls = [
            (r.payload["run_id"], r.payload["tool"], r.payload["results"])
            for r in log.scan()
            if r.kind == "tool_called"
        ]
    assert calls == [
        (searched.run_id, "search", 0),
        (first.run_id, "status", 1),
        (second.run_id, "status", 2),
    ]
    assert len({searched.run_id, first.run_id, second.run_id}) == 3
    # a status reads before it records itself: it lists the calls before it, newest first
    assert (first.records, second.records) == (1, 2)
    assert [(r.run_id, r.outcome) for r in first.last_runs] == [(searched.run_id, "answered")]
    assert [(r.run_id, r.outcome) for r in second.last_runs] == [
        (first.run_id, "answered"),
        (searched.run_id, "answered"),
    ]
