"""``evokernel bench drift``: does a fix captured on an old release replay on drifted ones?

For every family of the drift corpus (``drift_corpus``) the real kernel captures the fix on
the oldest release (``capture_from_proposal`` with the scripted fix as the proposal, validated
in the configured sandbox, Docker by default), then each drifted task goes through
``replay_or_fallback_for_run``: a hit is a replay, a miss is where an agent would be called.
A hit is then checked against the known answer: the diff the kernel returns, applied to the
task's tree, must give exactly the fixed files. A hit that validated but gives anything else,
or any hit on the unrelated bug, is a *false replay*.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evokernel.adapters.bench.drift_corpus import (
    DEFAULT_CACHE,
    DriftFamily,
    DriftTask,
    build_corpus,
)
from evokernel.application.config import EvoConfig
from evokernel.application.runtime import open_runtime
from evokernel.domain.models import AgentTask, MutationProposal, Proposer
from sandbox import PatchApplyError, Workspaces, apply_patch

Progress = Callable[[str], None]


def _git(cwd: Path, *args: str) -> bytes:
    env = {
        "GIT_AUTHOR_NAME": "drift-bench",
        "GIT_AUTHOR_EMAIL": "drift-bench@example.invalid",
        "GIT_COMMITTER_NAME": "drift-bench",
        "GIT_COMMITTER_EMAIL": "drift-bench@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, check=True, timeout=120
    )
    return done.stdout


def _repo(root: Path, files: dict[str, bytes]) -> tuple[Path, str]:
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "release")
    return root, _git(root, "rev-parse", "HEAD").decode().strip()


def _fix_diff(repo: Path, capture: DriftTask) -> str:
    """The fix as ``git diff`` writes it (bytes kept as surrogate escapes)."""
    for rel, data in capture.fixed.items():
        (repo / rel).write_bytes(data)
    diff = _git(repo, "diff", "--full-index")
    _git(repo, "checkout", "-q", "--", ".")
    return diff.decode("utf-8", "surrogateescape")


def _gives_fixed_tree(repo: Path, diff: str, task: DriftTask) -> bool:
    """Whether ``diff`` applied to the task's tree yields exactly its fixed files."""
    with Workspaces(repo).create("HEAD") as workspace:
        try:
            apply_patch(workspace.path, diff)
        except PatchApplyError:
            return False
        for rel, data in task.fixed.items():
            path = workspace.path / rel
            if not path.is_file() or path.read_bytes() != data:
                return False
        return True


def run_drift_bench(
    config: EvoConfig | None = None,
    cache: Path = DEFAULT_CACHE,
    workdir: Path | None = None,
    *,
    only: list[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Capture each family's fix, replay it on every drifted task, and count.

    Args:
        config: kernel configuration (its sandbox runs the validations); defaults apply.
        cache: where ``scripts/fetch-drift-corpus`` put the sdists.
        workdir: where the repositories and the store go (a temporary directory if ``None``).
        only: task names (``family/release/drift``) or family names to keep; all if ``None``.
        progress: called with a line per step.

    Returns:
        ``recurring_replayed``/``recurring_total``, ``false_replays``, ``agent_calls`` (misses
        on recurring tasks: where an agent would be paid again), and per task its rung.

    Raises:
        DriftCorpusMissingError: the sdists are not in ``cache`` (run ``make setup``).
    """
    corpus = _select(build_corpus(cache), only)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evokernel-drift-", dir=workdir) as scratch:
        root = Path(scratch)
        with open_runtime(config or EvoConfig(), root / "store") as runtime:
            kernel = runtime.kernel
            captures, rows = [], []
            for number, family in enumerate(corpus):
                repo, rev = _repo(root / f"f{number}-capture", family.capture.files)
                captured = kernel.capture_from_proposal(
                    AgentTask(
                        task_id=family.capture.name,
                        repo_path=str(repo),
                        repo_identity=family.package,
                        base_rev=rev,
                    ),
                    MutationProposal(
                        diff=_fix_diff(repo, family.capture), proposer=Proposer(agent="drift")
                    ),
                )
                captures.append(
                    {
                        "family": family.name,
                        "accepted": captured.accepted,
                        "reason_code": str(captured.reason_code),
                    }
                )
                if progress:
                    progress(f"capture {family.name}: {captured.reason_code}")
                for index, task in enumerate(family.tasks):
                    rows.append(_replay(kernel, root / f"f{number}-t{index}", family, task))
                    if progress:
                        row = rows[-1]
                        outcome = f"hit ({row['rung']})" if row["hit"] else row["reason_code"]
                        progress(f"{task.name}: {outcome}")
    recurring = [r for r in rows if r["recurring"]]
    replayed = [r for r in recurring if r["hit"] and r["correct"]]
    return {
        "recurring_total": len(recurring),
        "recurring_replayed": len(replayed),
        "replay_rate": round(len(replayed) / len(recurring), 3) if recurring else 0.0,
        "false_replays": sum(1 for r in rows if r["hit"] and not r["correct"]),
        "agent_calls": sum(1 for r in recurring if not r["hit"]),
        "unrelated_total": len(rows) - len(recurring),
        "captures": captures,
        "tasks": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _select(corpus: list[DriftFamily], only: list[str] | None) -> list[DriftFamily]:
    if not only:
        return corpus
    kept = []
    for family in corpus:
        tasks = [t for t in family.tasks if family.name in only or t.name in only]
        if tasks:
            kept.append(DriftFamily(family.name, family.package, family.capture, tasks))
    return kept


def _replay(kernel: Any, where: Path, family: DriftFamily, task: DriftTask) -> dict[str, Any]:
    repo, rev = _repo(where, task.files)
    agent_task = AgentTask(
        task_id=task.name, repo_path=str(repo), repo_identity=family.package, base_rev=rev
    )
    decision = kernel.replay_or_fallback_for_run(agent_task, kernel.new_run_id())
    correct = False
    if decision.hit:
        # The unrelated bug has no right capsule: any hit there is a false replay.
        correct = task.recurring and _gives_fixed_tree(repo, decision.diff or "", task)
    return {
        "task": task.name,
        "recurring": task.recurring,
        "hit": decision.hit,
        "correct": correct if decision.hit else None,
        "rung": decision.apply_step,
        "path_map": dict(decision.path_map),
        "reason_code": str(decision.reason_code),
    }
