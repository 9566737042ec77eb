"""Every fix of the drift corpus through the apply ladder alone (no sandbox): each recurring
task must end up exactly fixed, and the unrelated bug must be left untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evokernel.adapters.bench.drift_corpus import DriftFamily
from sandbox import PatchApplyError, Workspaces, apply_patch
from tests.conftest import GitRepoFactory, commit_files


def _repo(git_repo: GitRepoFactory, files: dict[str, bytes]) -> Path:
    repo = git_repo({".keep": ""})
    commit_files(repo, files, "release")
    return repo


def _fix(git_repo: GitRepoFactory, family: DriftFamily) -> bytes:
    repo = _repo(git_repo, family.capture.files)
    for rel, data in family.capture.fixed.items():
        (repo / rel).write_bytes(data)
    return subprocess.run(
        ["git", "diff"], cwd=repo, capture_output=True, check=True, timeout=60
    ).stdout


def test_the_corpus_has_every_kind_of_drift_the_issue_names(corpus: list[DriftFamily]) -> None:
    names = {task.name.rsplit("/", 1)[1] for family in corpus for task in family.tasks}
    assert {
        "moved-function",
        "function-became-method",
        "moved-module",
        "two-context-lines-changed",
        "crlf-file",
        "crlf",
        "renamed-test-file",
        "tests-moved-folder",
        "renamed-test-functions",
        "look-alike-line",
        "unrelated-bug",
        "hunk-at-line-1-moved-down",
    } <= names
    assert {"boltons", "sortedcontainers"} <= {family.package for family in corpus}


def test_every_recurring_fix_lands_exactly_and_the_unrelated_bug_is_refused(
    git_repo: GitRepoFactory, corpus: list[DriftFamily]
) -> None:
    outcomes = {}
    for family in corpus:
        diff = _fix(git_repo, family)
        for task in family.tasks:
            repo = _repo(git_repo, task.files)
            with Workspaces(repo).create("HEAD") as ws:
                try:
                    step = str(apply_patch(ws.path, diff).step)
                except PatchApplyError:
                    step = "refused"
                exact = all((ws.path / p).read_bytes() == data for p, data in task.fixed.items())
            outcomes[task.name] = (step, exact)
    wrong = {name: o for name, o in outcomes.items() if not o[1]}
    assert wrong == {}
    assert outcomes["boltons-a10n/24.0.0/unrelated-bug"][0] == "refused"
    assert outcomes["boltons-a10n/24.0.0/function-became-method"][0] == "symbol"
    assert outcomes["numeronym/2/hunk-at-line-1-moved-down"][0] == "relocate"


@pytest.mark.parametrize("crlf", ["sortedcontainers/2.4.0/crlf", "boltons-a10n/20.2.1/crlf-file"])
def test_crlf_tasks_keep_their_carriage_returns(corpus: list[DriftFamily], crlf: str) -> None:
    (task,) = [t for f in corpus for t in f.tasks if t.name == crlf]
    assert any(b"\r\n" in data for data in task.fixed.values())


def test_a_missing_cache_is_a_typed_error_that_names_make_setup(tmp_path: Path) -> None:
    from evokernel.adapters.bench.drift_corpus import DriftCorpusMissingError, build_corpus

    with pytest.raises(DriftCorpusMissingError, match="make setup") as caught:
        build_corpus(tmp_path)
    assert isinstance(caught.value, FileNotFoundError)  # the CLI maps it to exit code 2
