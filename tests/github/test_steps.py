"""The loop's steps take what they use: a step runs with a client, a kernel and the store's
facts, and no ``GitHubLoop`` is built."""

from __future__ import annotations

import ast
from pathlib import Path

import evokernel.adapters.github
from evokernel.adapters.github import GitHubClient, GitHubLoopSettings
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.texts import pull_body
from evokernel.adapters.github.verdicts import reconcile
from evokernel.application.kernel import EvoKernel
from evokernel.domain.events import ApprovalDecision
from sandbox import LocalSandbox, Validator
from scenarios.github_server import LocalGitHub
from store import EventLog
from tests.github.conftest import OWNER, REPO


def test_reconcile_records_a_closed_pull_request_once_without_a_loop(
    github_server: LocalGitHub, seeded: Path, client: GitHubClient, tmp_path: Path
) -> None:
    settings = GitHubLoopSettings(repo=REPO)
    number = github_server.open_issue(
        REPO, author=OWNER, title="total is wrong", labels=(settings.label, settings.pr_open_label)
    )
    assert settings.branch_for(number) == "evo/issue-1"  # the branch ``seeded`` pushed
    pull = client.create_pull(
        REPO,
        title="fix total",
        body=pull_body(number, "fix total", "run_0123456789abcdef"),
        head="evo/issue-1",
        base="main",
    )
    github_server.close_pull(REPO, pull.number, actor=OWNER)
    target = TargetRepo(client, settings)

    with EventLog.open(tmp_path / "store") as log:
        kernel = EvoKernel(log, Validator(LocalSandbox()))  # the step never validates
        [verdict] = reconcile(target, kernel, StoreFacts.scan(kernel.repository))
        again = reconcile(target, kernel, StoreFacts.scan(kernel.repository))
        facts = StoreFacts.scan(kernel.repository)

    assert verdict.decision is ApprovalDecision.REJECT and verdict.recorded_now
    assert (verdict.run_id, verdict.approver, verdict.pr_number) == (
        "run_0123456789abcdef",
        OWNER,
        pull.number,
    )
    assert facts.verdicts == {"run_0123456789abcdef": ApprovalDecision.REJECT}
    assert again == []  # the labels moved on: nothing left to reconcile
    [issue] = [i for i in github_server.issues(REPO) if not i.is_pull]
    assert set(issue.labels) == {settings.label, settings.rejected_label}


def _imports_within(package: Path, prefix: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (deferred imports included)."""
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        name = prefix if path.stem == "__init__" else f"{prefix}.{path.stem}"
        found = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        graph[name] = found
    return {name: {d for d in deps if d in graph and d != name} for name, deps in graph.items()}


def test_the_loop_package_has_no_import_cycle_and_no_step_imports_the_loop() -> None:
    graph = _imports_within(
        Path(evokernel.adapters.github.__file__).parent, "evokernel.adapters.github"
    )
    importers = {name for name, deps in graph.items() if "evokernel.adapters.github.loop" in deps}
    assert importers == {"evokernel.adapters.github"}  # only the package root re-exports it
    done: set[str] = set()

    def walk(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dep in graph[name]:
            walk(dep, (*path, name))
        done.add(name)

    for name in graph:
        walk(name, ())
