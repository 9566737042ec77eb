"""``evokernel runs list`` and ``runs show`` through the CLI, against a known store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.report.conftest import write_known_store


def _known(tmp_path: Path) -> Path:
    store = tmp_path / "known-store"
    write_known_store(store)
    return store


def test_list_shows_each_run_with_its_outcome_newest_first(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", str(_known(tmp_path)), "runs", "list", "--json")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    outcomes = {run["run_id"]: run["outcome"] for run in runs}
    assert outcomes == {
        "run_origin_a": "captured",
        "run_origin_b": "captured",
        "run_origin_c": "captured",
        "run_reuse_1": "replayed",
        "run_reuse_2": "replayed",
        "run_reuse_3": "replayed",
        "run_miss": "missed",
    }
    assert runs[0]["run_id"] == "run_reuse_3"  # the newest
    origin_a = next(run for run in runs if run["run_id"] == "run_origin_a")
    assert origin_a["reused_by"] == ["run_reuse_1", "run_reuse_2"]


def test_list_filters_by_outcome_and_since(invoke: Invoke, tmp_path: Path) -> None:
    store = str(_known(tmp_path))
    replayed = json.loads(
        invoke("--store", store, "runs", "list", "--outcome", "replayed", "--json").stdout
    )
    assert {run["run_id"] for run in replayed} == {"run_reuse_1", "run_reuse_2", "run_reuse_3"}
    recent = json.loads(
        invoke("--store", store, "runs", "list", "--since", "2026-12-02", "--json").stdout
    )
    assert [run["run_id"] for run in recent] == ["run_reuse_3"]


def test_show_follows_a_reuse_back_to_the_run_that_captured_it(
    invoke: Invoke, tmp_path: Path
) -> None:
    store = str(_known(tmp_path))
    replay = json.loads(invoke("--store", store, "runs", "show", "run_reuse_3", "--json").stdout)
    assert replay["run"]["original_run_id"] == "run_origin_c"
    assert replay["diff"].startswith("--- a/x.py")
    kinds = [entry["kind"] for entry in replay["entries"]]
    assert kinds == ["replay_lookup_recorded", "capsule_reused", "approval_recorded"]
    # and the other way: the origin run's timeline shows who reused its capsule
    origin = json.loads(invoke("--store", store, "runs", "show", "run_origin_c", "--json").stdout)
    assert origin["run"]["reused_by"] == ["run_reuse_3"]
    assert any("by run run_reuse_3" in entry["summary"] for entry in origin["entries"])


def test_show_takes_a_unique_prefix(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", str(_known(tmp_path)), "runs", "show", "run_m", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run"]["run_id"] == "run_miss"


def test_ambiguous_or_unknown_run_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    store = str(_known(tmp_path))
    ambiguous = invoke("--store", store, "runs", "show", "run_reuse")
    assert ambiguous.exit_code == 2
    assert "AmbiguousIdError" in ambiguous.output and "run_reuse_1" in ambiguous.output
    unknown = invoke("--store", store, "runs", "show", "run_nope")
    assert unknown.exit_code == 2
    assert "RunNotFoundError" in unknown.output


def test_repo_finds_the_store_that_repository_uses(
    invoke: Invoke, tmp_path: Path, isolated_cwd: Path
) -> None:
    other = tmp_path / "other-repo"
    (other / ".git").mkdir(parents=True)
    write_known_store(other / ".evokernel" / "store")
    here = invoke("runs", "list", "--json")  # the current repository has no store
    assert here.exit_code == 2
    there = invoke("runs", "list", "--repo", str(other), "--outcome", "captured", "--json")
    assert there.exit_code == 0, there.output
    assert len(json.loads(there.stdout)) == 3


def test_list_table_never_cuts_an_id(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", str(_known(tmp_path)), "runs", "list", env={"COLUMNS": "60"})
    assert result.exit_code == 0
    for run_id in ("run_origin_a", "run_reuse_3", "capsule_c1"):
        assert run_id in result.stdout


def test_a_rebased_variant_is_in_the_timeline_of_the_run_that_made_it(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("--store", str(_known(tmp_path)), "runs", "show", "run_reuse_2", "--json")
    entries = json.loads(result.stdout)["entries"]
    rebased = next(e for e in entries if e["kind"] == "capsule_rebased")
    assert rebased["summary"] == "capsule_a1 applied as a rebased variant (relocate)"
