"""Support for the GitHub loop's tests: a shop repository on the local server, the loop wired
to it, and the checks every test makes (no duplicates on GitHub, in git, or in the store)."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evokernel import (
    EvoConfig,
    GitHubLoop,
    GitHubLoopSettings,
    ScriptedAgent,
    ScriptedRule,
    open_github_loop,
)
from evokernel.adapters.github import GitHubClient, MarkerKey, git_push, parse_markers
from evokernel.demo.repos import SampleRepo, build_shop, commit
from scenarios.github_server import LocalGitHub, Role
from store import EventLog
from tests.github.conftest import OWNER, TOKEN, FakeTime, ServerFactory

SHOP = f"{OWNER}/shop"
FAILING_TEST = "tests/test_cart.py::test_total_with_discount"
ENV_CHECK = """import os


def test_no_github_token_in_the_sandbox():
    leaked = [name for name, value in os.environ.items() if value.startswith("ghp_")]
    assert leaked == []
"""
"""A test in the shop itself: it fails (a regression, so nothing is captured) if a token
reaches the sandbox's environment."""


@dataclass
class ShopRemote:
    """The shop sample pushed to a repository on the local server."""

    server: LocalGitHub
    repo: str
    url: str
    sample: SampleRepo

    def rules_file(self, directory: Path) -> Path:
        """A ``scripted:FILE`` agent that fixes the cart, for the command line."""
        patch = directory / "cart.patch"
        patch.write_text(self.sample.fixes["cart"])
        rules = directory / "rules.toml"
        rules.write_text(
            f'[[rules]]\nsignals_include = ["test-failed:{FAILING_TEST}"]\n'
            f'diff_file = "{patch.name}"\nintent = "apply the discount as a fraction"\n'
        )
        return rules

    def agent(self) -> ScriptedAgent:
        """The same agent, in-process."""
        rule = ScriptedRule(
            signals_include=[f"test-failed:{FAILING_TEST}"], diff=self.sample.fixes["cart"]
        )
        return ScriptedAgent.from_rules([rule])


def push_shop(server: LocalGitHub, root: Path, repo: str = SHOP) -> ShopRemote:
    """Build the shop at ``root`` (failing cart test on ``main``), push it as ``repo``."""
    sample = build_shop(root)
    commit(root, {"tests/test_env.py": ENV_CHECK}, "check the sandbox holds no token")
    url = str(server.create_repo(repo))
    git_push(root, url, "main", TOKEN, local_ref="refs/heads/main")
    server.add_collaborator(repo, "alice", Role.WRITE)
    server.add_collaborator(repo, "rita", Role.READ)
    return ShopRemote(server=server, repo=repo, url=url, sample=sample)


def loop_config() -> EvoConfig:
    """The default configuration (Docker sandbox) without a warm pool."""
    default = EvoConfig()
    return default.model_copy(
        update={"sandbox": default.sandbox.model_copy(update={"pool_size": 0})}
    )


@dataclass
class LoopWorld:
    """A shop on a running server, and where the loop keeps its store and clone."""

    remote: ShopRemote
    root: Path
    config: EvoConfig

    @property
    def server(self) -> LocalGitHub:
        return self.remote.server

    @property
    def store(self) -> Path:
        return self.root / "store"

    @property
    def workdir(self) -> Path:
        return self.root / "github"

    def settings(self, **more: object) -> GitHubLoopSettings:
        fields: dict[str, object] = {
            "repo": self.remote.repo,
            "clone_url": self.remote.url,
            "workdir": self.workdir,
            **more,
        }
        return GitHubLoopSettings.model_validate(fields)

    @contextmanager
    def loop(
        self,
        *,
        agent: ScriptedAgent | None = None,
        fake_time: FakeTime | None = None,
        create_cap: int = 20,
        **settings: object,
    ) -> Iterator[GitHubLoop]:
        """The loop in this process (a fake clock makes rate-limit waits instant)."""
        clock, sleep = (fake_time.clock, fake_time.sleep) if fake_time else (time.time, time.sleep)
        with (
            GitHubClient(
                self.server.api_url,
                TOKEN,
                per_minute_create_cap=create_cap,
                clock=clock,
                sleep=sleep,
            ) as client,
            open_github_loop(
                self.config,
                self.settings(**settings),
                token=TOKEN,
                store_dir=self.store,
                agent=agent,
                client=client,
            ) as loop,
        ):
            yield loop


def make_world(start_server: ServerFactory, root: Path, **server_options: object) -> LoopWorld:
    """The shop on a fresh server (its traffic validated against the OpenAPI description)."""
    server = start_server(**server_options)
    return LoopWorld(push_shop(server, root / "shop"), root / "loop", loop_config())


# -- the checks -----------------------------------------------------------------------------


def bare_git(server: LocalGitHub, repo: str, *args: str) -> str:
    """Run git in the server's bare repository (the remote)."""
    done = subprocess.run(
        ["git", *args],
        cwd=server.clone_url(repo),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def duplicates(server: LocalGitHub, repo: str, store: Path | None = None) -> list[str]:
    """Everything the loop created twice: issues per signature, pull requests per branch,
    comments per marker, commits on an evo branch, delivery steps and verdicts in the store."""
    found: list[str] = []
    snapshots = server.issues(repo)
    signatures = Counter(
        marker.value
        for item in snapshots
        if not item.is_pull
        for marker in parse_markers(item.body)
        if marker.key is MarkerKey.SIGNATURE
    )
    found += [f"{n} issues for signature {s}" for s, n in signatures.items() if n > 1]
    heads = Counter(item.head_ref for item in snapshots if item.is_pull)
    found += [f"{n} pull requests from {h}" for h, n in heads.items() if n > 1]
    for item in snapshots:
        markers = Counter(
            marker
            for body in item.comments
            for marker in parse_markers(body)
            if marker.key is MarkerKey.STEP
        )
        found += [f"#{item.number}: {n} comments {m.value}" for m, n in markers.items() if n > 1]
        labels = Counter(item.labels)
        found += [f"#{item.number}: label {x} {n} times" for x, n in labels.items() if n > 1]
    refs = bare_git(server, repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/evo/")
    for branch in refs.split():
        ahead = bare_git(server, repo, "rev-list", "--count", f"main..{branch}")
        if int(ahead) > 1:
            found.append(f"{branch} holds {ahead} commits")
    if store is not None and (store / "events.jsonl").exists():
        found += _store_duplicates(store)
    return found


def _store_duplicates(store: Path) -> list[str]:
    deliveries: Counter[tuple[object, ...]] = Counter()
    verdicts: Counter[str] = Counter()
    with EventLog.open_readonly(store) as log:
        for record in log.scan():
            payload = record.payload
            if record.kind == "delivery_updated":
                key = ("state", "repo", "branch", "issue_number", "pr_number")
                deliveries[tuple(payload.get(k) for k in key)] += 1
            elif record.kind == "approval_recorded" and payload.get("source") == "github":
                verdicts[str(payload["run_id"])] += 1
    found = [f"delivery {k} recorded {n} times" for k, n in deliveries.items() if n > 1]
    found += [f"verdict for {run} recorded {n} times" for run, n in verdicts.items() if n > 1]
    return found


def store_events(store: Path, kind: str) -> list[dict[str, object]]:
    """Payloads of every event of ``kind`` in the store."""
    with EventLog.open_readonly(store) as log:
        return [record.payload for record in log.scan() if record.kind == kind]


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``needle``."""
    data = needle.encode()
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and data in path.read_bytes()
    ]
