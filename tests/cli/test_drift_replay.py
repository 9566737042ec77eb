"""Replay on drifted code from the command line: what is landed is what was validated.

A fix is captured on a repository whose ``calc.py`` hunk starts at line 1; a later commit
moves ``add`` below two other functions (one holding the look-alike line ``return a - b``)
and renames the test file and function. ``replay --apply`` and ``run --apply`` must land a
branch whose tree passes the tests, the JSON must name the rung and carry the landed diff,
and a landing that fails must record ``landing_failed`` and no saving.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from evokernel.application.projection import EvolutionRepository
from tests.cli.conftest import Invoke
from tests.conftest import GitRepoFactory, commit_files

_BUGGY = "def add(a, b):\n    return a - b\n"
_TEST = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
_FIX = (
    "diff --git a/calc.py b/calc.py\n"
    "--- a/calc.py\n"
    "+++ b/calc.py\n"
    "@@ -1,2 +1,2 @@\n"
    " def add(a, b):\n"
    "-    return a - b\n"
    "+    return a + b\n"
)
_DRIFTED = (
    "def mul(a, b):\n    return a * b\n\n\n"
    "def sub(a, b):\n    return a - b\n\n\n"
    "def add(a, b):\n    return a - b\n"
)
_RENAMED_TEST = (
    "from calc import add\n\n\ndef test_addition_is_right():\n    assert add(1, 2) == 3\n"
)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def captured(
    git_repo: GitRepoFactory, tmp_path: Path, invoke: Invoke, docker_engine: object
) -> tuple[Path, str]:
    """A repository with a captured fix, then drifted (moved function, renamed test)."""
    repo = git_repo({"calc.py": _BUGGY, "tests/test_calc.py": _TEST}, name="calc")
    (tmp_path / "fix.patch").write_text(_FIX)
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rules]]\nsignals_include = ["code-call:add"]\ndiff_file = "fix.patch"\nintent = "add"\n'
    )
    store = str(tmp_path / "store")
    first = invoke(
        "run", "--repo", str(repo), "--task", "fix add", "--agent", f"scripted:{rules}",
        "--store", store, "--json",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert orjson.loads(first.stdout)["outcome"] == "captured"
    _git(repo, "rm", "-q", "tests/test_calc.py")
    commit_files(repo, {"calc.py": _DRIFTED, "tests/test_arith.py": _RENAMED_TEST}, "drift")
    return repo, store


def _tests_pass_on(repo: Path, branch: str, tmp_path: Path) -> bool:
    checkout = tmp_path / f"check-{branch.replace('/', '-')}"
    _git(repo, "worktree", "add", "--quiet", str(checkout), branch)
    done = subprocess.run(
        ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0


def _view(store: str):  # type: ignore[no-untyped-def]
    with EvolutionRepository.open(Path(store), readonly=True) as repository:
        return repository.view()


def test_replay_apply_on_drifted_code_lands_the_validated_diff(
    invoke: Invoke, captured: tuple[Path, str], tmp_path: Path
) -> None:
    repo, store = captured
    result = invoke(
        "replay", "--repo", str(repo), "--task", "fix add", "--apply", "evo/drift",
        "--store", store, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert data["hit"] is True and data["reason_code"] == "replay_hit"
    assert data["apply_step"] not in (None, "strict")
    assert data["rebased"] is True and "@@ -7,4 +7,4 @@" in data["diff"]
    assert data["landing"]["landed"] is True
    landed = _git(repo, "diff", f"{data['base_rev']}..evo/drift")
    assert _git_text(landed).strip() == _git_text(data["diff"]).strip()
    assert _tests_pass_on(repo, "evo/drift", tmp_path)
    view = _view(store)
    capsule = view.capsules[data["capsule_id"]]
    assert [v.base_rev for v in capsule.variants] == [data["base_rev"]]
    assert view.counters.reuses == 1 and view.counters.agent_calls == 1


def _git_text(diff: str) -> str:
    """The diff without its ``index`` lines (``git diff`` between commits abbreviates them)."""
    return "\n".join(line for line in diff.splitlines() if not line.startswith("index "))


def test_next_replay_on_the_same_code_line_applies_its_variant_strictly(
    invoke: Invoke, captured: tuple[Path, str]
) -> None:
    repo, store = captured
    first = invoke("replay", "--repo", str(repo), "--store", store, "--json")
    assert first.exit_code == 0, first.output
    second = invoke("replay", "--repo", str(repo), "--store", store, "--json")
    assert second.exit_code == 0, second.output
    data = orjson.loads(second.stdout)
    assert (data["apply_step"], data["rebased"]) == ("strict", True)
    assert _view(store).counters.rebases == 1


def test_run_apply_on_drifted_code_replays_without_the_agent(
    invoke: Invoke, captured: tuple[Path, str], tmp_path: Path
) -> None:
    repo, store = captured
    rules = tmp_path / "none.toml"
    rules.write_text('[[rules]]\nsignals_include = ["code-call:never"]\ndiff_file = "fix.patch"\n')
    result = invoke(
        "run", "--repo", str(repo), "--task", "fix add", "--agent", f"scripted:{rules}",
        "--apply", "evo/run-drift", "--store", store, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert (data["outcome"], data["agent_calls"]) == ("replayed", 0)
    assert data["landing"]["landed"] is True and data["branch"] == "evo/run-drift"
    assert _tests_pass_on(repo, "evo/run-drift", tmp_path)


def test_a_landing_that_fails_records_landing_failed_and_no_saving(
    invoke: Invoke, captured: tuple[Path, str]
) -> None:
    repo, store = captured
    # The branch exists and points elsewhere: git refuses to move it.
    _git(repo, "branch", "evo/taken", "HEAD~1")
    before = _view(store)
    result = invoke(
        "replay", "--repo", str(repo), "--apply", "evo/taken", "--store", store, "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    data = orjson.loads(result.stdout)
    assert data["reason_code"] == "landing_failed"
    assert data["landing"]["landed"] is False and "evo/taken" in data["landing"]["detail"]
    after = _view(store)
    assert after.counters.landing_failures == before.counters.landing_failures + 1
    assert after.counters.reuses == before.counters.reuses
    assert after.counters.agent_calls_avoided == before.counters.agent_calls_avoided
    assert after.ledger == before.ledger


def test_a_branch_that_can_never_be_landed_on_is_bad_input(
    invoke: Invoke, captured: tuple[Path, str]
) -> None:
    repo, store = captured
    result = invoke("replay", "--repo", str(repo), "--apply", "bad..name", "--store", store)
    assert result.exit_code == 2
    assert "bad branch name" in result.output


def test_a_capture_that_fails_to_land_keeps_the_capsule_and_exits_1(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path, docker_engine: object
) -> None:
    repo = git_repo({"calc.py": _BUGGY, "tests/test_calc.py": _TEST}, name="land")
    _git(repo, "branch", "evo/taken")
    commit_files(repo, {"README": "moved on\n"}, "another commit")
    _git(repo, "branch", "-f", "evo/taken", "HEAD")  # the branch holds other work
    commit_files(repo, {"README": "again\n"}, "base")
    (tmp_path / "fix.patch").write_text(_FIX)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nsignals_include = ["code-call:add"]\ndiff_file = "fix.patch"\n')
    store = str(tmp_path / "store")
    result = invoke(
        "run", "--repo", str(repo), "--agent", f"scripted:{rules}", "--apply", "evo/taken",
        "--store", store, "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    data = orjson.loads(result.stdout)
    assert (data["outcome"], data["reason_code"]) == ("captured", "landing_failed")
    assert data["landing"]["landed"] is False and data["branch"] is None
    view = _view(store)
    assert view.counters.captures == 1 and view.counters.landing_failures == 1
