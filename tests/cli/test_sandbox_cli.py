"""``evokernel sandbox``: build-image, doctor and run, checked by their effects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from sandbox import DEFAULT_IMAGE, docker_client_factory, ensure_image
from tests.cli.conftest import Invoke
from tests.conftest import GitRepoFactory
from tests.sandbox.conftest import CALC_BUGGY, CALC_FIX, CALC_TESTS

UNREACHABLE = {"EVOKERNEL_SANDBOX__BASE_URL": "unix:///nonexistent.sock"}

BUGGY = {"calc.py": CALC_BUGGY, "test_calc.py": CALC_TESTS}
FIX = CALC_FIX
HOSTILE = """\
--- a/../outside.py
+++ b/../outside.py
@@ -0,0 +1 @@
+print("escaped")
"""


@pytest.fixture(scope="module")
def sandbox_image(docker_engine: object) -> str:
    """The default image, built air-gapped if this engine lacks it (never pulled in tests)."""
    ensure_image(docker_client_factory(), DEFAULT_IMAGE, allow_pull=False)
    return DEFAULT_IMAGE


def _json(output: str) -> dict[str, object]:
    data = orjson.loads(output)
    assert isinstance(data, dict)
    return data


# --- build-image ---------------------------------------------------------------------------


@pytest.mark.docker
def test_build_image_quiet_prints_nothing_when_present(invoke: Invoke, sandbox_image: str) -> None:
    result = invoke("sandbox", "build-image", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


@pytest.mark.docker
def test_build_image_json_reports_the_present_image(
    invoke: Invoke, sandbox_image: str, docker_engine: object
) -> None:
    result = invoke("sandbox", "build-image", "--image", sandbox_image, "--json")
    assert result.exit_code == 0, result.stderr
    report = _json(result.stdout)
    assert report["action"] == "present"
    assert report["image_id"] == docker_engine.images.get(sandbox_image).id  # type: ignore[attr-defined]


def test_build_image_with_unreachable_engine_exits_1_naming_the_error(invoke: Invoke) -> None:
    result = invoke("sandbox", "build-image", env=UNREACHABLE)
    assert result.exit_code == 1
    assert "EngineUnavailableError" in result.stderr
    assert "/nonexistent.sock" in result.stderr


# --- doctor --------------------------------------------------------------------------------


@pytest.mark.docker
def test_doctor_json_is_ok_on_a_ready_engine(invoke: Invoke, sandbox_image: str) -> None:
    result = invoke("sandbox", "doctor", "--json")
    assert result.exit_code == 0, result.stdout
    report = _json(result.stdout)
    assert report["status"] == "ok"
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    assert checks["limit.pids"]["details"]["read_back"] == "256"


def test_doctor_exits_1_when_failing_and_says_why(invoke: Invoke) -> None:
    result = invoke("sandbox", "doctor", env=UNREACHABLE)
    assert result.exit_code == 1
    assert "failing" in result.stdout and "nonexistent.sock" in result.stdout


# --- run -----------------------------------------------------------------------------------


def _worktrees(repo: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "-C", str(repo), "worktree", "list", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return [line for line in listing.splitlines() if line.startswith("worktree ")]


@pytest.mark.docker
def test_run_with_a_fixing_patch_passes_and_leaves_the_repository_alone(
    invoke: Invoke, sandbox_image: str, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(BUGGY, name="calc")
    patch = tmp_path / "fix.diff"
    patch.write_text(FIX)
    result = invoke("sandbox", "run", "--repo", str(repo), "--patch", str(patch), "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    receipt = _json(result.stdout)
    assert receipt["verdict"] == "pass"
    assert receipt["apply_step"] == "strict"
    assert receipt["tests"] == {
        "test_calc.py::test_add": "passed",
        "test_calc.py::test_zero": "passed",
    }
    # The patch went into a throwaway worktree, which is gone again.
    assert (repo / "calc.py").read_text() == BUGGY["calc.py"]
    assert len(_worktrees(repo)) == 1


@pytest.mark.docker
def test_run_without_a_patch_fails_on_the_failing_test(
    invoke: Invoke, sandbox_image: str, git_repo: GitRepoFactory
) -> None:
    repo = git_repo(BUGGY, name="calc")
    result = invoke("sandbox", "run", "--repo", str(repo))
    assert result.exit_code == 1
    assert "test_calc.py::test_add" in result.stdout
    assert "FAIL" in result.stdout


@pytest.mark.docker
def test_run_command_after_double_dash_is_the_one_stage(
    invoke: Invoke, sandbox_image: str, git_repo: GitRepoFactory
) -> None:
    repo = git_repo(BUGGY, name="calc")
    result = invoke(
        "sandbox", "run", "--repo", str(repo), "--json", "--", "sh", "-c", "echo out; exit 3"
    )
    assert result.exit_code == 1
    receipt = _json(result.stdout)
    stages = receipt["stages"]
    assert isinstance(stages, list) and len(stages) == 1
    stage = stages[0]
    assert stage["command"] == ["sh", "-c", "echo out; exit 3"]
    assert stage["exit_code"] == 3 and stage["stdout"] == "out\n"


def test_run_refuses_a_hostile_patch_with_exit_2(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(BUGGY, name="calc")
    patch = tmp_path / "hostile.diff"
    patch.write_text(HOSTILE)
    # The engine is unreachable on purpose: refusal happens before any sandbox is needed.
    result = invoke("sandbox", "run", "--repo", str(repo), "--patch", str(patch), env=UNREACHABLE)
    assert result.exit_code == 2, result.stderr
    assert "PatchRefusedError" in result.stderr and "outside.py" in result.stderr
    assert not (tmp_path / "outside.py").exists()


def test_run_on_a_missing_repository_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("sandbox", "run", "--repo", str(tmp_path / "nope"))
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["build-image", "doctor", "run"])
def test_every_sandbox_command_has_help_with_an_example(invoke: Invoke, command: str) -> None:
    result = invoke("sandbox", command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


# --- bench sandbox -------------------------------------------------------------------------

BENCH_KEYS = {
    "pool_first_cmd_ms_p50",
    "pool_first_cmd_ms_p99",
    "docker_run_first_cmd_ms_p50",
    "bare_subprocess_ms_p50",
    "overhead_ms_p50",
    "pooled_validation_s_p50",
    "naive_validation_s_p50",
    "validations_per_min_pooled",
    "validations_per_min_naive",
}


@pytest.mark.docker
def test_bench_sandbox_json_has_every_figure_and_cleans_up(
    invoke: Invoke, sandbox_image: str, tmp_path: Path, docker_engine: object
) -> None:
    """A tiny run: the figures exist and are positive; no benchmark container is left."""
    workdir = tmp_path / "bench"
    args = ("bench", "sandbox", "--samples", "2", "--validations", "1", "--workdir", str(workdir))
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr
    figures = _json(result.stdout)
    assert set(figures) >= BENCH_KEYS
    assert all(float(figures[key]) > 0 for key in BENCH_KEYS - {"overhead_ms_p50"})  # type: ignore[arg-type]
    assert (workdir / "sample-repo" / ".git").is_dir()
    leftovers = docker_engine.containers.list(all=True, filters={"label": "evokernel.bench"})  # type: ignore[attr-defined]
    assert leftovers == []


def test_run_refuses_a_patch_that_adds_a_test_module_with_exit_2(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """The reward-hacking guard runs on ``sandbox run --patch`` too, before any sandbox."""
    repo = git_repo(BUGGY, name="calc")
    patch = tmp_path / "cheat.diff"
    patch.write_text(
        "--- /dev/null\n+++ b/tests/test_aaa_setup.py\n@@ -0,0 +1,2 @@\n"
        "+import calc\n+calc.add = lambda a, b: a + b\n"
    )
    result = invoke("sandbox", "run", "--repo", str(repo), "--patch", str(patch), env=UNREACHABLE)
    assert result.exit_code == 2, result.stderr
    assert "GuardRefusedError" in result.stderr and "test_edits_refused" in result.stderr
    assert "tests/test_aaa_setup.py" in result.stderr
