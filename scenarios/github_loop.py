"""Scenario: the GitHub loop turns failures into issues and issues into validated pull requests.

A merge raises the capsule's confidence, and the next repository with the same failure is
fixed by replay.

The story, on a local GitHub-compatible server and the shop sample (built at run time):

1. ``detect`` validates ``main`` of ``octo/shop``: ``test_total_with_discount`` fails, so one
   issue is opened for the failure's signature (label ``evo``, a hidden signature marker).
2. ``run --once`` takes the issue (the bot labelled it and has write access), solves it (no
   capsule yet, so the agent is called once), pushes ``evo/issue-1`` with the validated fix
   and opens a pull request carrying the evidence.
3. Alice merges the pull request through the REST API.
4. The next pass records her approval: the capsule's confidence rises.
5. ``octo/shop-eu``, where the same code has moved, fails the same way. ``detect`` opens its
   issue, ``run --once`` replays the stored capsule (zero agent calls), and the pull request
   names the run the capsule came from.
6. One more ``detect`` and pass on both repositories create nothing: no duplicates.

Run it: ``evokernel scenario run github-loop [--json]``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import httpx

from evokernel import (
    DetectAction,
    EvoConfig,
    GitHubLoop,
    GitHubLoopSettings,
    IssueAction,
    open_github_loop,
    open_runtime,
)
from evokernel.demo.repos import SampleRepo, git
from scenarios._report import ScenarioResult, ScenarioStep, scenario_main
from scenarios.github_server import LocalGitHub, Role
from scenarios.sample_repos import SHOP_BUGS, shop_workspace

NAME = "github-loop"
COLUMNS = ["name", "repo", "issue", "pull", "agent_calls", "confidence"]
BOT_TOKEN = "ghp_scenarioBot000000000000000000000000000"
ALICE_TOKEN = "ghp_scenarioAlice00000000000000000000000000"
FAILING_TEST = SHOP_BUGS["cart"][0]
_STEP_MARKER = re.compile(r"<!-- evokernel:step=(\S+) -->")


class LoopStep(ScenarioStep):
    """One step of the story (the documented JSON keys)."""

    repo: str
    """Repository the step works on."""
    issue: int | None = None
    """The issue opened or worked on."""
    pull: int | None = None
    """The pull request opened or settled."""
    agent_calls: int = 0
    """Agent calls the step made."""
    confidence: float | None = None
    """The capsule's confidence after the step, when it moved it."""


class _WorkedIssue(Protocol):
    """What a step row reads from one issue the loop worked on (``GitHubLoop.tick``)."""

    @property
    def number(self) -> int: ...

    @property
    def pr_number(self) -> int | None: ...

    @property
    def agent_calls(self) -> int: ...


def _issue_step(
    name: str, ok: bool, detail: str, repo: str, worked: _WorkedIssue | None
) -> LoopStep:
    """The row of a step that worked on one issue (``None``: the pass worked on none)."""
    return LoopStep(
        name=name,
        ok=ok,
        detail=detail,
        repo=repo,
        issue=worked.number if worked else None,
        pull=worked.pr_number if worked else None,
        agent_calls=worked.agent_calls if worked else 0,
    )


def _publish(server: LocalGitHub, shop: SampleRepo, repo: str, rev: str) -> str:
    """Create ``repo`` on the server with ``rev`` of the shop as ``main``; returns its URL."""
    url = str(server.create_repo(repo))
    git(shop.path, "push", "-q", url, f"{rev}:refs/heads/main")
    server.add_collaborator(repo, "alice", Role.WRITE)
    return url


def _merge(server: LocalGitHub, repo: str, number: int | None) -> bool:
    """Alice merges the pull request through the REST API, as she would on GitHub."""
    if number is None:
        return False
    answer = httpx.put(
        f"{server.api_url}/repos/{repo}/pulls/{number}/merge",
        headers={"Authorization": f"token {ALICE_TOKEN}"},
        json={"merge_method": "merge"},
        timeout=30,
    )
    return answer.status_code == 200


def _duplicates(server: LocalGitHub, repo: str) -> int:
    """Pull requests per branch and loop comments per issue beyond the first."""
    snapshots = server.issues(repo)
    heads = Counter(item.head_ref for item in snapshots if item.is_pull)
    extra = sum(n - 1 for n in heads.values())
    for item in snapshots:
        steps = Counter(m for body in item.comments for m in _STEP_MARKER.findall(body))
        extra += sum(n - 1 for n in steps.values())
    return extra


def run(config: EvoConfig | None = None, workdir: Path | None = None) -> ScenarioResult:
    """Tell the story and check each step; ``ok`` only when every check holds."""
    config = config or EvoConfig()
    started = time.monotonic()
    steps: list[ScenarioStep] = []
    with shop_workspace(NAME, workdir, ["cart"]) as (root, shop, agent):
        tokens = {BOT_TOKEN: "octo", ALICE_TOKEN: "alice"}
        with (
            LocalGitHub(root / "remotes", tokens=tokens) as server,
            open_runtime(config, root / "store") as runtime,
        ):
            urls = {
                "octo/shop": _publish(server, shop, "octo/shop", shop.revs["cart_bug"]),
                "octo/shop-eu": _publish(server, shop, "octo/shop-eu", shop.revs["cart_bug_moved"]),
            }

            def loop(repo: str) -> AbstractContextManager[GitHubLoop]:
                """The loop on ``repo``; both repositories share one store and sandbox."""
                settings = GitHubLoopSettings(
                    repo=repo, clone_url=urls[repo], workdir=root / "github"
                )
                return open_github_loop(
                    config,
                    settings,
                    token=BOT_TOKEN,
                    api_url=server.api_url,
                    runtime=runtime,
                    agent=agent,
                )

            # 1. detect: main fails, one issue is opened for the failure
            with loop("octo/shop") as shop_loop:
                found = shop_loop.detect()
            ok = found.action is DetectAction.OPENED and FAILING_TEST in found.failing_tests
            steps.append(
                LoopStep(
                    name="detect opens an issue",
                    ok=ok,
                    detail=f"expected an issue for {FAILING_TEST}; got {found.action.value}",
                    repo="octo/shop",
                    issue=found.issue_number,
                )
            )

            # 2. run --once: the agent's fix is validated, pushed and proposed
            with loop("octo/shop") as shop_loop:
                tick = shop_loop.tick()
            first = tick.issues[0] if tick.issues else None
            fixed = git(server.clone_url("octo/shop"), "show", "evo/issue-1:shop/cart.py")
            ok = (
                first is not None
                and first.action is IssueAction.PR_OPENED
                and first.agent_calls == 1
                and "subtotal * (1 - discount)" in fixed
            )
            steps.append(
                _issue_step(
                    "run opens a validated pull request",
                    ok,
                    "expected a pull request from evo/issue-1 holding the agent's fix",
                    "octo/shop",
                    first,
                )
            )

            # 3. alice merges it through the API
            merged = _merge(server, "octo/shop", first.pr_number if first else None)
            steps.append(
                LoopStep(
                    name="alice merges the pull request",
                    ok=merged,
                    detail="expected PUT /pulls/N/merge to answer 200",
                    repo="octo/shop",
                    pull=first.pr_number if first else None,
                )
            )

            # 4. the next pass records the approval; the capsule's confidence rises
            with loop("octo/shop") as shop_loop:
                settled = shop_loop.tick()
            verdict = settled.verdicts[0] if settled.verdicts else None
            ok = (
                verdict is not None
                and verdict.approver == "alice"
                and verdict.confidence_before is not None
                and verdict.confidence_after is not None
                and verdict.confidence_after > verdict.confidence_before
            )
            steps.append(
                LoopStep(
                    name="the merge raises confidence",
                    ok=ok,
                    detail="expected alice's approval to raise the capsule's confidence",
                    repo="octo/shop",
                    pull=verdict.pr_number if verdict else None,
                    confidence=verdict.confidence_after if verdict else None,
                )
            )

            # 5. a second repository with the same failure: replayed, zero agent calls
            with loop("octo/shop-eu") as eu_loop:
                eu_found = eu_loop.detect()
                eu_tick = eu_loop.tick()
            second = eu_tick.issues[0] if eu_tick.issues else None
            replayed = sum(issue.replayed for issue in [*tick.issues, *eu_tick.issues])
            pulls = [i for i in server.issues("octo/shop-eu") if i.is_pull]
            body = (pulls[0].body or "") if pulls else ""
            origin = first.run_id if first else None
            ok = (
                eu_found.action is DetectAction.OPENED
                and second is not None
                and second.action is IssueAction.PR_OPENED
                and second.replayed
                and second.agent_calls == 0
                and origin is not None
                and second.origin_run_id == origin
                and f"captured in run `{origin}`" in body
            )
            steps.append(
                _issue_step(
                    "same failure elsewhere is replayed",
                    ok,
                    "expected a replayed pull request naming the capsule's origin run",
                    "octo/shop-eu",
                    second,
                )
            )

            # 6. once more on both: nothing new is created anywhere
            before = {repo: len(server.issues(repo)) for repo in urls}
            for repo in urls:
                with loop(repo) as again:
                    again.detect()
                    again.tick()
            after = {repo: len(server.issues(repo)) for repo in urls}
            duplicates = sum(_duplicates(server, repo) for repo in urls)
            duplicates += sum(after[repo] - before[repo] for repo in urls)
            steps.append(
                LoopStep(
                    name="running again creates nothing",
                    ok=duplicates == 0,
                    detail=f"expected no new issue, pull request or comment; {duplicates} found",
                    repo="octo/shop, octo/shop-eu",
                )
            )
            snapshots = [item for repo in urls for item in server.issues(repo)]
    return ScenarioResult.of_steps(
        NAME,
        steps,
        started=started,
        columns=COLUMNS,
        issues_opened=sum(not item.is_pull for item in snapshots),
        prs_opened=sum(item.is_pull for item in snapshots),
        replayed=replayed,
        duplicates=duplicates,
    )


def main(argv: list[str] | None = None) -> int:
    """Print the scenario's table (or ``--json``); exit 1 when an outcome is wrong."""
    return scenario_main(NAME, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
