"""Signatures keyed on the code under test, and locality candidates, against the real sandbox.

Two bugs that fail the same test in different functions get different genes and neither
capsule replays on the other; a capsule below the similarity thresholds whose patch changed
the function the failure reaches is tried within ``replay.max_candidates`` and validates;
locality never offers a capsule whose function the failure does not reach.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from evokernel.application.kernel import EvoKernel, KernelSettings
from evokernel.domain.models import AgentTask, MutationProposal
from evokernel.domain.selection import ReplayConfig, SelectionConfig
from tests.conftest import GitRepoFactory, commit_files

_OK = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
_BUG_ADD = _OK.replace("return a + b", "return a - b")
_BUG_MUL = _OK.replace("return a * b", "return a + b")
_TEST = (
    "from ops import add, mul\n\n\n"
    "def test_ops():\n    assert add(2, 3) == 5\n    assert mul(2, 3) == 6\n"
)
_FIX_ADD = (
    "diff --git a/ops.py b/ops.py\n--- a/ops.py\n+++ b/ops.py\n"
    "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
)
_FIX_MUL = (
    "diff --git a/ops.py b/ops.py\n--- a/ops.py\n+++ b/ops.py\n"
    "@@ -4,3 +4,3 @@\n \n def mul(a, b):\n-    return a + b\n+    return a * b\n"
)
_STRICT = SelectionConfig(min_similarity=1.0, min_gene_share=1.0)
"""Selection thresholds only an exact signature passes: what remains is locality."""


def _head(repo: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def _task(repo: Path, name: str) -> AgentTask:
    return AgentTask(
        task_id=f"task-{name}",
        repo_path=str(repo),
        repo_identity="ops",
        base_rev=_head(repo),
        description=name,
    )


def _ops_repo(git_repo: GitRepoFactory, ops: str, name: str) -> Path:
    """A repository with ``ops`` as ``ops.py`` and the one test of both functions."""
    return git_repo({"ops.py": ops, "tests/test_ops.py": _TEST}, name=name)


def _strict_kernel_knowing_the_add_fix(make_kernel, git_repo: GitRepoFactory):  # type: ignore[no-untyped-def]
    """A kernel whose selection lets only exact signatures through, holding the captured fix
    of ``add`` (from repository ``a``, returned with it)."""
    kernel = make_kernel(KernelSettings(selection=_STRICT))
    repo = _ops_repo(git_repo, _BUG_ADD, "a")
    _capture(kernel, repo, "a", _FIX_ADD)
    return kernel, repo


def _capture(kernel: EvoKernel, repo: Path, name: str, diff: str) -> str:
    result = kernel.capture_from_proposal(_task(repo, name), MutationProposal(diff=diff))
    assert result.accepted, result.detail
    assert result.gene_id is not None
    return result.gene_id


def test_two_bugs_failing_the_same_test_get_two_genes_and_never_replay_on_each_other(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel = make_kernel()
    bug_a = _ops_repo(git_repo, _BUG_ADD, "a")
    bug_b = _ops_repo(git_repo, _BUG_MUL, "b")
    gene_a = _capture(kernel, bug_a, "a", _FIX_ADD)
    gene_b = _capture(kernel, bug_b, "b", _FIX_MUL)
    assert gene_a != gene_b
    capsule_a = kernel.view().genes[gene_a].capsule_ids[0]
    capsule_b = kernel.view().genes[gene_b].capsule_ids[0]
    assert "ops.py::add" in kernel.view().capsules[capsule_a].capsule.changed_functions
    # A third repository with bug B only; then one with bug A only: each gets its own fix.
    only_b = _ops_repo(git_repo, _BUG_MUL, "b2")
    decision = kernel.replay_or_fallback(_task(only_b, "b2"))
    assert decision.hit and decision.capsule_id == capsule_b
    assert all(c.outcome != "hit" for c in decision.candidates if c.capsule_id == capsule_a)
    only_a = _ops_repo(git_repo, _BUG_ADD, "a2")
    decision = kernel.replay_or_fallback(_task(only_a, "a2"))
    assert decision.hit and decision.capsule_id == capsule_a


def test_capsule_a_is_not_replayed_on_bug_b_even_when_bug_b_fails_a_tests(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel = make_kernel()
    bug_a = _ops_repo(git_repo, _BUG_ADD, "a")
    _capture(kernel, bug_a, "a", _FIX_ADD)
    bug_b = _ops_repo(git_repo, _BUG_MUL, "b")
    decision = kernel.replay_or_fallback(_task(bug_b, "b"))
    assert not decision.hit
    assert decision.reason_code.value in {"no_candidates", "candidates_failed"}


def test_locality_offers_a_capsule_below_the_thresholds_and_validation_judges_it(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel, repo = _strict_kernel_knowing_the_add_fix(make_kernel, git_repo)
    # A later release: add moved down, the tests renamed, and a new test that the same bug
    # breaks with an IndexError: the signature is no longer the captured one.
    renamed = (
        "from ops import add\n\n\ndef test_sum_of_two():\n    assert add(10, 1) == 11\n"
        "\n\ndef test_index():\n    assert 'abc'[add(-1, 3)] == 'c'\n"
    )
    subprocess.run(["git", "rm", "-q", "tests/test_ops.py"], cwd=repo, check=True)
    commit_files(
        repo,
        {"ops.py": "def mul(a, b):\n    return a * b\n\n\n" + _BUG_ADD.split("\n\n\n")[0] + "\n",
         "tests/test_sums.py": renamed},
        "drift",
    )  # fmt: skip
    decision = kernel.replay_or_fallback(_task(repo, "drift"))
    assert decision.hit, decision.reason_code
    assert [c.locality for c in decision.candidates] == [True]
    off = make_kernel(KernelSettings(selection=_STRICT, replay=ReplayConfig(max_candidates=0)))
    again = off.replay_or_fallback(_task(repo, "drift-off"))
    assert not again.hit and again.reason_code.value == "no_candidates"


def test_locality_never_offers_a_capsule_whose_function_the_failure_does_not_reach(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel, _ = _strict_kernel_knowing_the_add_fix(make_kernel, git_repo)
    bug_b = _ops_repo(git_repo, _BUG_MUL, "b")
    decision = kernel.replay_or_fallback(_task(bug_b, "b"))
    assert decision.candidates == [] and decision.reason_code.value == "no_candidates"


def test_a_capsule_from_a_crlf_file_replays_strictly_on_its_own_commit(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel = make_kernel()
    crlf = _BUG_ADD.replace("\n", "\r\n")
    repo = _ops_repo(git_repo, crlf, "crlf")
    fix = _FIX_ADD.replace(" def add(a, b):\n", " def add(a, b):\r\n").replace(
        "a - b\n+    return a + b\n", "a - b\r\n+    return a + b\r\n"
    )
    _capture(kernel, repo, "crlf", fix)
    capsule = next(iter(kernel.view().capsules.values())).capsule
    assert "+    return a + b\r\n" in capsule.diff
    decision = kernel.replay_or_fallback(_task(repo, "crlf-again"))
    assert decision.hit and decision.apply_step == "strict"
    assert decision.diff is not None and "\r\n" in decision.diff and not decision.rebased


def test_a_locality_candidate_for_another_bug_in_the_same_function_never_replays(
    make_kernel, git_repo: GitRepoFactory
) -> None:  # type: ignore[no-untyped-def]
    kernel, _ = _strict_kernel_knowing_the_add_fix(make_kernel, git_repo)
    # add became a method with another bug: locality reaches it, validation must refuse it.
    method = "class Calculator:\n    def add(self, a, b):\n        return a * b\n"
    test = (
        "from ops import Calculator\n\n\ndef test_calc():\n    assert Calculator().add(2, 3) == 5\n"
    )
    other = git_repo({"ops.py": method, "tests/test_calc.py": test}, name="method")
    decision = kernel.replay_or_fallback(_task(other, "method"))
    assert not decision.hit
    assert [c.locality for c in decision.candidates] == [True]
    assert decision.candidates[0].outcome in {"apply_failed", "validation_failed"}
