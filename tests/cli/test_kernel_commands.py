"""`evokernel run | replay | capture | assets` against real repositories and the real sandbox.

Each test checks the effect (the store, the repository), not only the output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from evokernel.application.projection import EvolutionRepository
from evokernel.demo.repos import SampleRepo, build_shop
from store import EventLog
from tests.cli.conftest import Invoke


@pytest.fixture
def shop(tmp_path: Path, docker_engine: object) -> SampleRepo:
    return build_shop(tmp_path / "shop")


@pytest.fixture
def rules(tmp_path: Path, shop: SampleRepo) -> Path:
    (tmp_path / "cart.patch").write_text(shop.fixes["cart"])
    path = tmp_path / "rules.toml"
    path.write_text(
        "[[rules]]\n"
        'signals_include = ["test-failed:tests/test_cart.py::test_total_with_discount"]\n'
        'diff_file = "cart.patch"\n'
        'intent = "fraction discount"\n'
    )
    return path


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_run_captures_then_replays_and_apply_lands_on_its_own_branch(
    invoke: Invoke, shop: SampleRepo, rules: Path, tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    head_before = _git(shop.path, "rev-parse", "HEAD")
    first = invoke(
        "run",
        "--repo",
        str(shop.path),
        "--task",
        "fix cart",
        "--agent",
        f"scripted:{rules}",
        "--apply",
        "evo/fix-cart",
        "--store",
        store,
        "--json",
    )
    assert first.exit_code == 0, first.output
    data = orjson.loads(first.stdout)
    assert (data["outcome"], data["agent_calls"], data["reason_code"]) == (
        "captured",
        1,
        "accepted",
    )
    for key in (
        "run_id",
        "capsule_id",
        "gene_id",
        "replay_run_id",
        "original_run_id",
        "diff",
        "seconds",
    ):
        assert key in data
    message = _git(shop.path, "log", "-1", "--format=%B", "evo/fix-cart")
    assert f"Evo-Run: {data['run_id']}" in message
    assert f"Evo-Capsule: {data['capsule_id']}" in message
    # The user's branch and working tree are untouched.
    assert _git(shop.path, "rev-parse", "HEAD") == head_before
    assert _git(shop.path, "status", "--porcelain") == ""

    second = invoke(
        "run",
        "--repo",
        str(shop.path),
        "--rev",
        "moved",
        "--task",
        "again",
        "--agent",
        f"scripted:{rules}",
        "--store",
        store,
        "--json",
    )
    replayed = orjson.loads(second.stdout)
    assert (replayed["outcome"], replayed["agent_calls"]) == ("replayed", 0)
    assert replayed["original_run_id"] == data["run_id"]
    assert replayed["replay_run_id"] == replayed["run_id"]
    with EvolutionRepository.open(Path(store), readonly=True) as store:
        assert store.log.verify().ok
        view = store.view()
    assert view.counters.reuses == 1 and view.counters.agent_calls == 1


def test_replay_miss_exits_1_with_a_reason(
    invoke: Invoke, shop: SampleRepo, tmp_path: Path
) -> None:
    result = invoke("replay", "--repo", str(shop.path), "--store", str(tmp_path / "s"), "--json")
    assert result.exit_code == 1
    assert orjson.loads(result.stdout)["reason_code"] == "no_candidates"


def test_capture_reads_a_proposal_and_prints_feedback(
    invoke: Invoke, shop: SampleRepo, tmp_path: Path
) -> None:
    proposal = tmp_path / "proposal.json"
    proposal.write_bytes(orjson.dumps({"diff": shop.fixes["cart"], "intent": "fix discount"}))
    store = str(tmp_path / "store")
    result = invoke(
        "capture", "--repo", str(shop.path), "--proposal", str(proposal), "--store", store, "--json"
    )
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["result"]["accepted"] is True
    assert report["feedback"]["next_action"] == "review_and_apply"
    listing = orjson.loads(invoke("assets", "list", "--store", store, "--json").stdout)
    assert [c["capsule_id"] for c in listing["capsules"]] == [report["result"]["capsule_id"]]


def test_malformed_proposal_is_bad_input_and_writes_nothing(
    invoke: Invoke, shop: SampleRepo, tmp_path: Path
) -> None:
    proposal = tmp_path / "proposal.json"
    proposal.write_text('{"intent": "no diff"}')
    store = tmp_path / "store"
    result = invoke(
        "capture", "--repo", str(shop.path), "--proposal", str(proposal), "--store", str(store)
    )
    assert result.exit_code == 2
    assert "ProposalError" in result.stderr and "diff" in result.stderr
    assert not (store / "events.jsonl").exists() or (store / "events.jsonl").read_bytes() == b""


def test_assets_revoke_makes_replay_miss(
    invoke: Invoke, shop: SampleRepo, rules: Path, tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    run = orjson.loads(
        invoke(
            "run",
            "--repo",
            str(shop.path),
            "--task",
            "fix",
            "--agent",
            f"scripted:{rules}",
            "--store",
            store,
            "--json",
        ).stdout
    )
    revoked = invoke("assets", "revoke", run["capsule_id"], "--store", store, "--json")
    assert orjson.loads(revoked.stdout)["state"] == "revoked"
    shown = orjson.loads(
        invoke("assets", "show", run["capsule_id"], "--store", store, "--json").stdout
    )
    assert shown["state"] == "revoked"
    miss = invoke("replay", "--repo", str(shop.path), "--rev", "moved", "--store", store, "--json")
    assert miss.exit_code == 1
    assert orjson.loads(miss.stdout)["candidates"] == []


def test_unknown_asset_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    store = tmp_path / "store"
    EventLog.open(store).close()
    result = invoke("assets", "show", "capsule_nope", "--store", str(store))
    assert result.exit_code == 2
    assert "capsule_nope" in result.stderr
