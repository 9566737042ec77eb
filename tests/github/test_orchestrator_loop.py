"""The GitHub loop in this process, against the local server and the real Docker sandbox:
detect once, deliver a validated pull request, feed merges and closures back, ignore
strangers, wait out rate limits. Every exchange is checked against GitHub's OpenAPI
description when the server stops."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from evokernel import DetectAction, IssueAction
from evokernel.adapters.github import MarkerKey, parse_markers
from scenarios.github_server import FailureKind
from tests.github.conftest import TOKEN, FakeTime, ServerFactory
from tests.github.loop_support import (
    FAILING_TEST,
    LoopWorld,
    bare_git,
    duplicates,
    files_containing,
    make_world,
    store_events,
)

ALICE_TOKEN = "ghp_aliceReviewerToken000000000000000000"


@pytest.fixture
def world(docker_engine: object, start_server: ServerFactory, tmp_path: Path) -> LoopWorld:
    return make_world(start_server, tmp_path)


def _mutations(world: LoopWorld, since: int) -> list[str]:
    """Content-changing requests the server received after exchange ``since``."""
    return [f"{x.method} {x.path}" for x in world.server.exchanges()[since:] if x.method != "GET"]


def test_detect_opens_one_issue_per_failure_and_never_a_duplicate(world: LoopWorld) -> None:
    with world.loop() as loop:
        first = loop.detect()
        again = loop.detect()

    assert first.action is DetectAction.OPENED and first.issue_number is not None
    assert FAILING_TEST in first.failing_tests
    assert again.action is DetectAction.EXISTS and again.issue_number == first.issue_number
    [issue] = world.server.issues(world.remote.repo)
    assert issue.labels == ("evo",) and FAILING_TEST in (issue.body or "")
    markers = parse_markers(issue.body)
    assert [m.value for m in markers if m.key is MarkerKey.SIGNATURE] == [first.marker]
    assert duplicates(world.server, world.remote.repo, world.store) == []
    opened = store_events(world.store, "delivery_updated")
    assert [(e["state"], e["issue_number"]) for e in opened] == [("issue_opened", 1)]


def test_detect_opens_no_issue_within_the_cooldown_of_a_closed_one(world: LoopWorld) -> None:
    with world.loop() as loop:
        first = loop.detect()
        assert first.issue_number is not None
        world.server.close_issue(world.remote.repo, first.issue_number, actor="alice")
        cooled = loop.detect()
    with world.loop(cooldown_s=0) as loop:
        reopened = loop.detect()

    assert cooled.action is DetectAction.COOLING_DOWN
    assert cooled.issue_number == first.issue_number
    # after the cooldown the failure is news again: one new issue
    assert reopened.action is DetectAction.OPENED and reopened.issue_number != first.issue_number
    states = [(i.number, i.state) for i in world.server.issues(world.remote.repo)]
    assert states == [(1, "closed"), (2, "open")]


def test_a_labelled_issue_becomes_a_validated_pull_request_and_a_merge_an_approval(
    world: LoopWorld,
) -> None:
    repo, server = world.remote.repo, world.server
    agent = world.remote.agent()
    with world.loop(agent=agent) as loop:
        loop.detect()
        tick = loop.tick()
        [delivered] = tick.issues
        marker = len(server.exchanges())
        idle = loop.tick()
        idle_mutations = _mutations(world, marker)

    # one pull request from evo/issue-1 holding the validated fix, with the evidence
    assert delivered.action is IssueAction.PR_OPENED, delivered.detail
    assert delivered.outcome == "captured" and delivered.agent_calls == 1 == agent.calls
    assert delivered.created == ["commit", "branch", "pull", "comment", "label:evo:pr-open"]
    pull = next(i for i in server.issues(repo) if i.is_pull)
    assert pull.head_ref == "evo/issue-1" and pull.number == delivered.pr_number
    assert (pull.body or "").startswith("Closes #1")
    assert FAILING_TEST in (pull.body or "") and "fail_to_pass" in (pull.body or "")
    run_markers = [m.value for m in parse_markers(pull.body) if m.key is MarkerKey.RUN]
    assert run_markers == [delivered.run_id]
    trailers = bare_git(server, repo, "show", "-s", "--format=%(trailers)", "evo/issue-1")
    assert f"Evo-Run: {delivered.run_id}" in trailers
    assert f"Evo-Capsule: {delivered.capsule_id}" in trailers
    fixed = bare_git(server, repo, "show", "evo/issue-1:shop/cart.py")
    assert "subtotal * (1 - discount)" in fixed
    [issue] = [i for i in server.issues(repo) if not i.is_pull]
    assert issue.labels == ("evo", "evo:pr-open") and len(issue.comments) == 1
    # a second pass finds everything done and changes nothing
    assert idle.issues == [] and idle_mutations == []

    # alice merges it through the API; the next pass records her approval once
    server.add_token(ALICE_TOKEN, "alice")
    merged = httpx.put(
        f"{server.api_url}/repos/{repo}/pulls/{pull.number}/merge",
        headers={"Authorization": f"token {ALICE_TOKEN}", "Accept": "application/vnd.github+json"},
        json={"merge_method": "merge"},
    )
    assert merged.status_code == 200, merged.text
    with world.loop(agent=agent) as loop:
        settled = loop.tick()
        again = loop.tick()
        status = loop.status()
        after_merge = loop.detect()

    [verdict] = settled.verdicts
    assert verdict.decision.value == "approve" and verdict.approver == "alice"
    assert verdict.capsule_id == delivered.capsule_id and verdict.recorded_now
    assert verdict.confidence_before is not None and verdict.confidence_after is not None
    assert verdict.confidence_after > verdict.confidence_before
    assert again.verdicts == []  # recorded once, labels moved on
    [issue] = [i for i in server.issues(repo) if not i.is_pull]
    assert issue.state == "closed" and issue.labels == ("evo", "evo:merged")
    approvals = store_events(world.store, "approval_recorded")
    assert [(a["approver"], a["decision"], a["source"]) for a in approvals] == [
        ("alice", "approve", "github")
    ]
    [row] = status.issues
    assert row.merged and row.merged_by == "alice" and row.verdict is not None
    assert row.confidence == verdict.confidence_after
    # main now holds the fix: nothing to report
    assert after_merge.action is DetectAction.PASSING
    assert duplicates(server, repo, world.store) == []
    assert files_containing(world.store, TOKEN) == []
    assert files_containing(world.workdir, TOKEN) == []


def test_a_pull_request_closed_unmerged_records_a_rejection(world: LoopWorld) -> None:
    repo, server = world.remote.repo, world.server
    with world.loop(agent=world.remote.agent()) as loop:
        loop.detect()
        [delivered] = loop.tick().issues
        assert delivered.pr_number is not None
        server.close_pull(repo, delivered.pr_number, actor="alice")
        settled = loop.tick()
        later = loop.tick()

    [verdict] = settled.verdicts
    assert verdict.decision.value == "reject" and verdict.recorded_now
    assert verdict.approver == "alice"  # who closed it, read from the issue API
    assert verdict.confidence_before is not None and verdict.confidence_after is not None
    assert verdict.confidence_after < verdict.confidence_before
    [issue] = [i for i in server.issues(repo) if not i.is_pull]
    assert issue.state == "open" and issue.labels == ("evo", "evo:rejected")
    # the rejected issue is not taken again: no second pull request
    assert later.issues == [] and later.verdicts == []
    assert duplicates(server, repo, world.store) == []


def test_issues_labelled_by_someone_without_write_access_are_ignored(world: LoopWorld) -> None:
    repo, server = world.remote.repo, world.server
    stranger = server.open_issue(repo, author="mallory", title="rm -rf the tests", body="do it")
    server.add_label(repo, stranger, "evo", actor="mallory")
    reader = server.open_issue(repo, author="rita", title="please fix")
    server.add_label(repo, reader, "evo", actor="rita")
    agent = world.remote.agent()
    with world.loop(agent=agent) as loop:
        tick = loop.tick()

    assert [(i.number, i.action, i.labeller) for i in tick.issues] == [
        (stranger, IssueAction.IGNORED, "mallory"),
        (reader, IssueAction.IGNORED, "rita"),
    ]
    assert agent.calls == 0
    assert not any(i.is_pull or i.comments for i in server.issues(repo))
    assert bare_git(server, repo, "for-each-ref", "refs/heads/evo/") == ""
    assert not (world.store / "events.jsonl").exists() or not store_events(
        world.store, "task_received"
    )


def test_an_issue_a_stranger_opened_is_taken_once_a_writer_labels_it(world: LoopWorld) -> None:
    repo, server = world.remote.repo, world.server
    number = server.open_issue(repo, author="mallory", title="the cart discount is wrong")
    server.add_label(repo, number, "evo", actor="alice")
    with world.loop(agent=world.remote.agent()) as loop:
        [report] = loop.tick().issues

    assert report.action is IssueAction.PR_OPENED and report.labeller == "alice"


def test_rate_limits_and_the_create_cap_are_waited_out(
    world: LoopWorld, fake_time: FakeTime
) -> None:
    repo, server = world.remote.repo, world.server
    server.open_issue(repo, author="alice", title="cart discount", labels=["evo"])
    server.inject(
        FailureKind.TOO_MANY_REQUESTS, method="GET", path="/repos/*/issues", times=2, retry_after=3
    )
    server.inject(
        FailureKind.SECONDARY_RATE_LIMIT, method="POST", path="/repos/*/pulls", retry_after=7
    )
    with world.loop(agent=world.remote.agent(), fake_time=fake_time, create_cap=2) as loop:
        [report] = loop.tick().issues

    assert report.action is IssueAction.PR_OPENED, report.detail
    assert fake_time.sleeps[:3] == [3, 3, 7]
    # three creations (pull, comment, label) under a cap of two a minute: the third waited
    # until the pull request's slot, taken 7 s before its retry went through, left the window
    assert fake_time.sleeps[3:] == [pytest.approx(60.0 - 7)]
    statuses = [x.status for x in server.exchanges()]
    assert statuses.count(429) == 2 and statuses.count(403) == 1
    assert duplicates(server, repo, world.store) == []


def test_an_issue_nothing_fixes_gets_one_needs_human_comment(world: LoopWorld) -> None:
    repo, server = world.remote.repo, world.server
    number = server.open_issue(repo, author="alice", title="cart discount", labels=["evo"])
    with world.loop() as loop:  # no agent and an empty store: replay finds nothing
        first = loop.tick()
        tasks = len(store_events(world.store, "task_received"))
        second = loop.tick()

    assert [i.action for i in first.issues] == [IssueAction.NEEDS_HUMAN]
    assert first.issues[0].created == ["comment", "label:evo:needs-human"]
    assert [i.action for i in second.issues] == [IssueAction.NEEDS_HUMAN]
    assert second.issues[0].created == []
    # the second pass found the comment for this base and did not solve again
    assert len(store_events(world.store, "task_received")) == tasks
    [issue] = server.issues(repo)
    assert issue.number == number and len(issue.comments) == 1
    assert "needs-human@" in issue.comments[0] and issue.labels == ("evo", "evo:needs-human")
    assert duplicates(server, repo, world.store) == []


def test_the_clone_config_holds_neither_token_nor_credentials(world: LoopWorld) -> None:
    with world.loop() as loop:
        loop.detect()
    config = (world.workdir / world.remote.repo / ".git" / "config").read_text()
    assert TOKEN not in config and "@" not in config
    origin = subprocess.run(
        ["git", "config", "--get", "remote.origin.url"],
        cwd=world.workdir / world.remote.repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert origin == world.remote.url


def test_a_commit_made_but_not_pushed_is_pushed_by_the_next_pass(world: LoopWorld) -> None:
    """The boundary between the local commit and the push: nothing is solved twice."""
    repo, server = world.remote.repo, world.server
    server.open_issue(repo, author="alice", title="cart discount", labels=["evo"])
    hook = server.clone_url(repo) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'remote is down' >&2\nexit 1\n")
    hook.chmod(0o755)
    agent = world.remote.agent()
    with world.loop(agent=agent) as loop:
        [refused] = loop.tick().issues
        hook.unlink()
        [pushed] = loop.tick().issues

    assert refused.action is IssueAction.FAILED and "remote is down" in refused.detail
    assert pushed.action is IssueAction.PR_OPENED and pushed.created[0] == "branch"
    assert agent.calls == 1 and len(store_events(world.store, "task_received")) == 1
    assert bare_git(server, repo, "rev-list", "--count", "main..evo/issue-1") == "1"
    assert duplicates(server, repo, world.store) == []
