"""Kill the loop at every step boundary and start it again: nothing is created twice on GitHub,
in git or in the store, no step is lost, and the token is nowhere on disk or in the logs.

Each phase (``detect``; ``run --once``; ``run --once`` after a merge) runs the real command in a
child process, SIGKILLed by the server at the next GitHub call it has not been killed at yet:
on arrival for reads, on arrival and after applying for writes (so the child never learns that
its write happened). The phase repeats until a child finishes; after every child the world is
checked for duplicates.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.context import ForkServerContext
from pathlib import Path

import orjson
import pytest

import scenarios.github_server.server as server_module
from scenarios.github_server.app import build_app
from tests.github.cli_child import run_cli
from tests.github.conftest import TOKEN, ServerFactory
from tests.github.kill_switch import KillPlan, Moment, wrapping
from tests.github.loop_support import (
    LoopWorld,
    bare_git,
    duplicates,
    files_containing,
    make_world,
    store_events,
)

MAX_CHILDREN = 60
"""Per phase: far more than the boundaries a phase has (a runaway loop fails instead)."""
CHILD_DEADLINE = 900.0
"""Bounds a hang only: a child normally ends (or is killed) within seconds."""


@pytest.fixture(scope="module")
def forkserver() -> ForkServerContext:
    """Children forked from a server that imported the CLI once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["evokernel.adapters.cli.app", "evokernel.adapters.cli.github", "tests.github.cli_child"]
    )
    return context


@dataclass
class Children:
    """Runs ``evokernel`` in children until one finishes, killing them as the plan says."""

    context: ForkServerContext
    plan: KillPlan
    world: LoopWorld
    root: Path
    outputs: list[Path] = field(default_factory=list)
    phases: list[list[tuple[str, Moment]]] = field(default_factory=list)
    """The boundaries each phase was killed at."""

    def env(self) -> dict[str, str]:
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        return {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(home),
            "LC_ALL": "C.UTF-8",
            "GITHUB_TOKEN": TOKEN,
            "EVOKERNEL_SANDBOX__POOL_SIZE": "0",
        }

    def cwd(self) -> Path:
        directory = self.root / "cwd"
        (directory / ".git").mkdir(parents=True, exist_ok=True)
        return directory

    def run_once(self, argv: list[str]) -> tuple[int | None, str]:
        output = self.root / f"child-{len(self.outputs):03d}.log"
        self.outputs.append(output)
        self.plan.expect_child()
        go_read, go_write = self.context.Pipe(duplex=False)
        child = self.context.Process(
            target=run_cli,
            args=(["-vv", *argv], self.env(), str(self.cwd()), str(output), go_read),
        )
        child.start()
        go_read.close()
        self.plan.pid = child.pid  # registered before the child may send its first request
        go_write.send(True)
        go_write.close()
        child.join(CHILD_DEADLINE)
        if child.is_alive():
            child.kill()
            raise AssertionError(f"child {child.pid} did not finish in {CHILD_DEADLINE}s")
        return child.exitcode, output.read_text() if output.exists() else ""

    def until_done(self, argv: list[str]) -> str:
        """Run the command until a child exits on its own; returns that child's output."""
        self.plan.armed = True
        self.plan.killed = []
        self.phases.append(self.plan.killed)
        kills = 0
        for _ in range(MAX_CHILDREN):
            code, output = self.run_once(argv)
            problems = duplicates(self.world.server, self.world.remote.repo, self.world.store)
            assert problems == [], f"after {self.plan.killed[-1:]}: {problems}"
            if code == -signal.SIGKILL:
                kills += 1
                continue
            assert code == 0, output
            # every boundary the plan chose really killed a child there
            assert kills == len(self.plan.killed) > 0
            return output
        raise AssertionError(f"still being killed after {MAX_CHILDREN} children")

    def plain(self, argv: list[str]) -> str:
        """Run the command once, never killed; it must succeed."""
        self.plan.armed = False
        code, output = self.run_once(argv)
        assert code == 0, output
        return output


@pytest.fixture
def children(
    docker_engine: object,
    start_server: ServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forkserver: ForkServerContext,
) -> Iterator[Children]:
    plan = KillPlan()
    monkeypatch.setattr(server_module, "build_app", wrapping(build_app, plan))
    # search lags behind writes, as on GitHub: lookups must not depend on the index
    world = make_world(start_server, tmp_path, search_delay=3600.0)
    yield Children(forkserver, plan, world, tmp_path)


def _json(output: str) -> dict[str, object]:
    """The JSON document the command printed (logs around it are ignored)."""
    lines = output.splitlines()
    start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
    parsed = orjson.loads("\n".join(lines[start:end]))
    assert isinstance(parsed, dict)
    return parsed


def _writes_killed_on_both_sides(phase: list[tuple[str, Moment]]) -> list[str]:
    """The writes of a phase at which a child was killed both before and after, in order."""
    both = [p for p, m in phase if m is Moment.AFTER and (p, Moment.BEFORE) in phase]
    return [point.split(" #")[0].replace("? ", " ").rstrip("?") for point in both]


def test_killed_at_every_step_boundary_the_loop_creates_nothing_twice(
    children: Children, tmp_path: Path
) -> None:
    world = children.world
    server, repo = world.server, world.remote.repo
    common = ["--repo", repo, "--api-url", server.api_url, "--store", str(world.store)]
    clone = ["--clone", world.remote.url]
    rules = world.remote.rules_file(tmp_path)
    run = ["github", "run", *common, *clone, "--once", "--agent", f"scripted:{rules}", "--json"]

    # 1. detect, killed at each boundary: exactly one issue, recorded once
    output = children.until_done(["github", "detect", *common, *clone, "--json"])
    assert _json(output)["action"] == "exists"
    assert _writes_killed_on_both_sides(children.phases[-1]) == [
        "POST /repos/octo/shop/issues labels=evo"
    ]
    [issue] = server.issues(repo)
    assert issue.labels == ("evo",)
    opened = store_events(world.store, "delivery_updated")
    assert [(e["state"], e["issue_number"]) for e in opened] == [("issue_opened", issue.number)]

    # 2. run: one branch with one validated commit, one pull request, one comment, one label
    output = children.until_done(run)
    assert _writes_killed_on_both_sides(children.phases[-1]) == [
        "POST /repos/octo/shop/pulls",
        "POST /repos/octo/shop/issues/1/comments",
        "POST /repos/octo/shop/issues/1/labels labels=evo:pr-open",
    ]
    assert _json(output)["issues"] == []  # the last step (the label) was done: nothing left
    pulls = [i for i in server.issues(repo) if i.is_pull]
    assert [p.head_ref for p in pulls] == ["evo/issue-1"]
    [issue] = [i for i in server.issues(repo) if not i.is_pull]
    assert issue.labels == ("evo", "evo:pr-open") and len(issue.comments) == 1
    trailers = bare_git(server, repo, "show", "-s", "--format=%(trailers)", "evo/issue-1")
    assert "Evo-Run: run_" in trailers and "Evo-Capsule: capsule_" in trailers
    steps = {e["state"] for e in store_events(world.store, "delivery_updated")}
    assert steps >= {"committed", "pushed", "pr_opened", "issue_commented"}

    # 3. alice merges; the next run records her approval once, whatever is killed
    server.merge_pull(repo, pulls[0].number, actor="alice")
    output = children.until_done(run)
    assert _writes_killed_on_both_sides(children.phases[-1]) == [
        "POST /repos/octo/shop/issues/1/labels labels=evo:merged",
        "DELETE /repos/octo/shop/issues/1/labels/evo:pr-open",
    ]
    approvals = store_events(world.store, "approval_recorded")
    assert [(a["approver"], a["decision"]) for a in approvals] == [("alice", "approve")]
    [issue] = [i for i in server.issues(repo) if not i.is_pull]
    assert issue.labels == ("evo", "evo:merged")

    # 4. steady state: one more pass writes nothing at all
    marker = len(server.exchanges())
    children.plain(run)
    assert [x.method for x in server.exchanges()[marker:] if x.method != "GET"] == []
    status = _json(children.plain(["github", "status", *common, "--json"]))
    rows = status["issues"]
    assert isinstance(rows, list)
    [row] = rows
    assert row["verdict"] == "approve" and row["merged_by"] == "alice"

    # the token is in no log, no store file, no clone, no home directory
    for root in (world.store, world.workdir, tmp_path / "home", tmp_path / "cwd"):
        assert files_containing(root, TOKEN) == [], root
    leaked = [path.name for path in children.outputs if TOKEN in path.read_text()]
    assert leaked == []
