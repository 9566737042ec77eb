"""Fixtures for the GitHub suite: the local server with its traffic checked against GitHub's
OpenAPI description, a fake clock, and a client wired to both."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evokernel.adapters.github import GitHubClient, git_push
from scenarios.github_server import LocalGitHub
from scenarios.github_server.conformance import (
    OpenAPIConformance,
    assert_conformant,
    fetch_description,
)
from tests.conftest import commit_files

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_CACHE = PROJECT_ROOT / ".evokernel" / "cache" / "openapi"
TOKEN = "ghp_evokernelTestToken0123456789abcdefXYZ"
"""The owner's token; distinctive, so a leak is found by a plain substring search."""
OWNER = "octo"
REPO = "octo/demo"


@dataclass
class ConformanceTally:
    """How many exchanges the suite validated; checked once at the end of the session."""

    checker: OpenAPIConformance
    servers: int = 0
    exchanges: int = 0


@pytest.fixture(scope="session")
def conformance() -> Iterator[ConformanceTally]:
    """GitHub's OpenAPI description, fetched with npm once (cached) and loaded once.

    Never skipped: without the description the suite cannot say the server is GitHub-shaped.
    """
    tally = ConformanceTally(OpenAPIConformance(fetch_description(OPENAPI_CACHE)))
    yield tally
    # session-level check: every server the suite started had its traffic validated
    assert tally.servers == 0 or tally.exchanges > 0, "servers ran but no exchange was validated"


@dataclass
class FakeTime:
    """A clock that moves only when someone sleeps; the sleeps are recorded for assertions."""

    now: float = 1_800_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


ServerFactory = Callable[..., LocalGitHub]


@pytest.fixture
def start_server(tmp_path: Path, conformance: ConformanceTally) -> Iterator[ServerFactory]:
    """Start LocalGitHub servers; at teardown each is stopped and all its traffic validated."""
    started: list[LocalGitHub] = []

    def start(**options: object) -> LocalGitHub:
        options.setdefault("tokens", {TOKEN: OWNER})
        server = LocalGitHub(tmp_path / f"remotes{len(started)}", **options)  # type: ignore[arg-type]
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        conformance.servers += 1
        conformance.exchanges += assert_conformant(conformance.checker, server.exchanges())


@pytest.fixture
def github_server(start_server: ServerFactory) -> LocalGitHub:
    """A running server with ``octo/demo`` (empty remote) and token TOKEN for ``octo``."""
    server = start_server()
    server.create_repo(REPO)
    return server


@pytest.fixture
def seeded(github_server: LocalGitHub, tmp_path: Path) -> Path:
    """``octo/demo`` with ``main`` and a branch ``evo/issue-1`` one commit ahead pushed to it.

    Returns the local working copy.
    """
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    commit_files(work, {"cart.py": "def total(xs):\n    return sum(xs)\n"}, "initial")
    remote = str(github_server.clone_url(REPO))
    git_push(work, remote, "main", TOKEN)
    _git(work, "checkout", "-q", "-b", "evo/issue-1")
    commit_files(work, {"cart.py": "def total(xs):\n    return sum(xs) + 0\n"}, "fix total")
    git_push(work, remote, "evo/issue-1", TOKEN)
    return work


def faked_client(
    server: LocalGitHub, fake_time: FakeTime, token: str = TOKEN, **options: Any
) -> GitHubClient:
    """A GitHubClient on ``server`` that waits on the fake clock; ``options`` as the client's."""
    return GitHubClient(
        server.api_url, token, clock=fake_time.clock, sleep=fake_time.sleep, **options
    )


@pytest.fixture
def client(github_server: LocalGitHub, fake_time: FakeTime) -> Iterator[GitHubClient]:
    """A GitHubClient on the server, waiting on the fake clock."""
    with faked_client(github_server, fake_time) as made:
        yield made


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()
