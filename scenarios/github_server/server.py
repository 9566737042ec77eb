"""``LocalGitHub``: the server in a thread of this process, plus the admin API tests drive it with.

The admin API is plain Python (not HTTP) and acts *as* a named user, so a test can make "alice
labels issue 3" or "bob merges pull 5" happen exactly as if they had clicked on GitHub.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import uvicorn

from scenarios.github_server.app import Gate, build_app
from scenarios.github_server.exchanges import Exchange, ExchangeLog
from scenarios.github_server.limits import Failure, FailureKind, FailureQueue, RateLimits
from scenarios.github_server.payloads import Urls
from scenarios.github_server.records import Issue, Role
from scenarios.github_server.state import World

_START_DEADLINE = 15.0


@dataclass(frozen=True)
class IssueSnapshot:
    """An issue or pull request as the server holds it, for assertions in tests."""

    number: int
    title: str
    body: str | None
    state: str
    author: str
    labels: tuple[str, ...]
    comments: tuple[str, ...]
    is_pull: bool
    head_ref: str | None
    merged: bool


class _Server(uvicorn.Server):
    """uvicorn that tells us, through an event, when it is accepting connections."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


class LocalGitHub:
    """A stateful GitHub-compatible REST server on 127.0.0.1 with an ephemeral port.

    Args:
        root: where bare repositories are created (``<root>/<owner>/<name>.git``).
        tokens: token -> login; requests with any other token get 401.
        api_prefix: path under which the API is served (``/api/v3`` imitates Enterprise).
        core_limit: requests per hour per user on the ``core`` resource.
        search_limit: requests per minute per user on the ``search`` resource.
        clock: epoch seconds; share a fake clock with a client to test resets without waiting.
        search_delay: seconds before a new issue is found by search (GitHub's index lag).
    """

    def __init__(
        self,
        root: Path,
        *,
        tokens: Mapping[str, str] | None = None,
        api_prefix: str = "",
        core_limit: int = 5000,
        search_limit: int = 30,
        clock: Callable[[], float] = time.time,
        search_delay: float = 0.0,
    ) -> None:
        self.root = root
        self.world = World(root, clock, search_delay)
        self.tokens: dict[str, str] = dict(tokens or {})
        self.prefix = api_prefix.rstrip("/")
        self.failures = FailureQueue()
        self.log = ExchangeLog()
        self._limits = RateLimits({"core": (core_limit, 3600), "search": (search_limit, 60)}, clock)
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._urls: Urls | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """Base URL to hand to a client (``http://127.0.0.1:PORT`` plus the prefix)."""
        if self._urls is None:
            raise RuntimeError("LocalGitHub is not started")
        return self._urls.api

    def start(self) -> LocalGitHub:
        """Bind an ephemeral port, serve in a daemon thread, return once accepting."""
        if self._thread is not None:
            raise RuntimeError("LocalGitHub is already started")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        web = f"http://127.0.0.1:{port}"
        self._urls = Urls(api=web + self.prefix, web=web)
        gate = Gate(self.world, self._urls, self.tokens, self._limits, self.failures, self.prefix)
        config = uvicorn.Config(
            build_app(gate, self.log),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=5,
        )
        ready = threading.Event()
        self._server = _Server(config, ready)
        sockets = [self._socket]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": sockets}, name="local-github", daemon=True
        )
        self._thread.start()
        if not ready.wait(_START_DEADLINE):
            self.stop()
            raise RuntimeError(f"LocalGitHub did not start within {_START_DEADLINE}s")
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_START_DEADLINE)
            if self._thread.is_alive():
                raise RuntimeError("LocalGitHub did not stop")
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LocalGitHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- admin API: setup --------------------------------------------------------------------

    def add_token(self, token: str, login: str) -> None:
        """Let ``token`` authenticate as ``login``."""
        self.tokens[token] = login
        self.world.user(login)

    def create_repo(
        self, full_name: str, *, default_branch: str = "main", private: bool = False
    ) -> Path:
        """Create a repository and its bare git remote; returns the clone URL (a path)."""
        owner, name = full_name.split("/", 1)
        return self.world.create_repo(owner, name, default_branch, private).git.path

    def clone_url(self, full_name: str) -> Path:
        return self.world.repo(full_name).git.path

    def add_collaborator(self, full_name: str, login: str, role: Role | str = Role.WRITE) -> None:
        self.world.add_collaborator(self.world.repo(full_name), login, Role(role))

    def inject(
        self,
        failure: Failure | FailureKind,
        *,
        method: str = "*",
        path: str = "*",
        times: int = 1,
        retry_after: int | None = 1,
        reset_at: int | None = None,
    ) -> None:
        """Queue a failure: ``inject(FailureKind.TOO_MANY_REQUESTS, path="/search/*", times=2)``.

        The keyword arguments are ``Failure``'s fields; a ready ``Failure`` is queued as is.
        """
        if not isinstance(failure, Failure):
            failure = Failure(failure, method, path, times, retry_after, reset_at)
        self.failures.push(failure)

    # -- admin API: acting as a user ---------------------------------------------------------

    def open_issue(
        self,
        full_name: str,
        *,
        author: str,
        title: str,
        body: str = "",
        labels: Iterable[str] = (),
    ) -> int:
        repo = self.world.repo(full_name)
        return self.world.open_issue(repo, self.world.user(author), title, body, labels).number

    def add_label(self, full_name: str, number: int, label: str, *, actor: str) -> None:
        repo = self.world.repo(full_name)
        issue = self.world.issue(repo, number)
        self.world.add_labels(repo, issue, [label], self.world.user(actor))

    def remove_label(self, full_name: str, number: int, label: str, *, actor: str) -> None:
        repo = self.world.repo(full_name)
        self.world.remove_label(repo, self.world.issue(repo, number), label, self.world.user(actor))

    def comment(self, full_name: str, number: int, body: str, *, author: str) -> int:
        repo = self.world.repo(full_name)
        issue = self.world.issue(repo, number)
        return self.world.create_comment(issue, self.world.user(author), body).id

    def close_issue(self, full_name: str, number: int, *, actor: str) -> None:
        """Close an issue, or a pull request without merging it."""
        issue = self.world.issue(self.world.repo(full_name), number)
        self.world.set_state(issue, "closed", self.world.user(actor))

    close_pull = close_issue

    def merge_pull(self, full_name: str, number: int, *, actor: str) -> str:
        """Merge a pull request as ``actor`` (a real merge commit); returns its sha."""
        repo = self.world.repo(full_name)
        return self.world.merge_pull(repo, self.world.issue(repo, number), self.world.user(actor))

    # -- admin API: reading ------------------------------------------------------------------

    def exchanges(self) -> list[Exchange]:
        """The request log: every request and response so far, in order."""
        return self.log.snapshot()

    def issues(self, full_name: str) -> list[IssueSnapshot]:
        """Every issue and pull request of a repository, by number."""
        repo = self.world.repo(full_name)
        with self.world.lock:
            return [_snapshot(issue) for _, issue in sorted(repo.issues.items())]


def _snapshot(issue: Issue) -> IssueSnapshot:
    return IssueSnapshot(
        number=issue.number,
        title=issue.title,
        body=issue.body,
        state=issue.state,
        author=issue.user.login,
        labels=tuple(label.name for label in issue.labels),
        comments=tuple(comment.body for comment in issue.comments),
        is_pull=issue.pull is not None,
        head_ref=issue.pull.head_ref if issue.pull else None,
        merged=bool(issue.pull and issue.pull.merged),
    )
