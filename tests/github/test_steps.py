"""The loop's steps take what they use: a step runs with a client, a kernel and the store's
facts, and no ``GitHubLoop`` is built."""

from __future__ import annotations

from pathlib import Path

from evokernel.events import ApprovalDecision
from evokernel.github import GitHubClient, GitHubLoopSettings
from evokernel.github.facts import StoreFacts
from evokernel.github.target import TargetRepo
from evokernel.github.texts import pull_body
from evokernel.github.verdicts import reconcile
from evokernel.kernel import EvoKernel
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
