"""``GitHubClient``: the one module that talks to PyGithub.

Each method is one small, idempotency-friendly question or action: the loop asks "does an issue
with this marker exist?" before it calls ``create_issue``, so a restart never duplicates. Every
PyGithub or requests exception is translated into the ``GitHubError`` family here, with the token
redacted; rate limits are waited out by ``RateLimitRetry``; content creation goes through a
per-minute ``CreateThrottle``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
from github import Auth, BadAttributeException, Github, GithubException
from github.Issue import Issue
from github.PullRequest import PullRequest
from github.Repository import Repository

from evokernel.adapters.github.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    translate,
)
from evokernel.adapters.github.markers import Marker
from evokernel.adapters.github.models import GitHubComment, GitHubIssue, GitHubPull, IssueState
from evokernel.adapters.github.retry import RateLimitRetry
from evokernel.adapters.github.throttle import CreateThrottle
from evokernel.domain.closing import Closing

logger = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class GitHubClient(Closing):
    """GitHub for the loop, over PyGithub, for any API base URL (github.com or Enterprise).

    Args:
        api_url: the REST base, e.g. ``https://api.github.com`` or ``https://ghe/api/v3``.
        token: the token, passed in from the CLI boundary; never logged or put in a message.
        per_minute_create_cap: content-creating requests allowed in any 60 s window.
        max_retries: attempts for rate-limited, 5xx and connection failures.
        max_rate_limit_wait: longest single wait we accept before raising GitHubRateLimitError;
            the default covers a full primary window (an hour) plus slack.
        secondary_wait: wait for a secondary limit that gives no ``Retry-After``.
        timeout: seconds per HTTP request.
        clock: epoch seconds; tests inject a fake one.
        sleep: how to wait; tests inject one that records and advances their clock.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        per_minute_create_cap: int = 20,
        max_retries: int = 6,
        max_rate_limit_wait: float = 3660.0,
        secondary_wait: float = 60.0,
        timeout: int = 30,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise GitHubAuthError("no GitHub token was given")
        self._secrets = (token,)
        self.throttle = CreateThrottle(per_minute_create_cap, clock, sleep)
        retry = RateLimitRetry.build(
            sleep=sleep,
            clock=clock,
            max_wait=max_rate_limit_wait,
            retries=max_retries,
            secondary_wait=secondary_wait,
        )
        self._github = Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token),
            retry=retry,
            timeout=timeout,
            per_page=100,
            user_agent="evokernel",
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._github.close()

    @contextmanager
    def _calling(self) -> Iterator[None]:
        """Translate everything PyGithub and requests raise into our family, token redacted."""
        try:
            yield
        except GitHubError:
            raise
        except (GithubException, BadAttributeException, requests.RequestException) as exc:
            raise translate(exc, self._secrets) from exc

    def _unless_missing(self, call: Callable[[], T], missing: T | GitHubNotFoundError) -> T:
        """``call()``, translated; on a 404 ``missing`` instead (returned, or raised if it is
        an error), for the questions where "not there" is an answer."""
        with self._calling():
            try:
                return call()
            except GithubException as exc:
                if exc.status != 404:
                    raise
                if isinstance(missing, GitHubNotFoundError):
                    raise missing from exc
                return missing

    def _repo(self, repo: str) -> Repository:
        return self._github.get_repo(repo)

    def _create(self) -> None:
        waited = self.throttle.acquire()
        if waited:
            logger.info("create cap reached; waited %.1fs", waited)

    # -- repository and refs -----------------------------------------------------------------

    def default_branch(self, repo: str) -> str:
        """The repository's default branch name."""
        with self._calling():
            return str(self._repo(repo).default_branch)

    def get_ref_sha(self, repo: str, branch: str) -> str | None:
        """The commit ``branch`` points at, or None when the branch does not exist.

        Uses ``matching-refs`` rather than ``git/ref/{ref}``: the description's ``{ref}`` cannot
        hold the slash of ``heads/<branch>`` unless it is encoded, and PyGithub does not encode it.
        """
        return self.branch_heads(repo, branch).get(branch)

    def branch_heads(self, repo: str, prefix: str = "") -> dict[str, str]:
        """``{branch: sha}`` for every branch whose name starts with ``prefix``."""
        with self._calling():
            refs = self._repo(repo).get_git_matching_refs(f"heads/{prefix}")
            return {ref.ref.removeprefix("refs/heads/"): ref.object.sha for ref in refs}

    def permission_of(self, repo: str, user: str) -> str:
        """``admin``, ``write``, ``read`` or ``none``; an unknown user has ``none``."""
        return self._unless_missing(
            lambda: str(self._repo(repo).get_collaborator_permission(user)), "none"
        )

    def has_write_access(self, repo: str, user: str) -> bool:
        """True when ``user`` may push to ``repo`` (the loop only takes issues they labelled)."""
        return self.permission_of(repo, user) in WRITE_PERMISSIONS

    # -- issues ------------------------------------------------------------------------------

    def find_issue_by_marker(
        self,
        repo: str,
        marker: Marker,
        *,
        state: IssueState = IssueState.OPEN,
        label: str | None = None,
    ) -> GitHubIssue | None:
        """The newest issue whose body carries ``marker``, or None.

        Search finds it; the body is then checked for the exact marker, since search matches
        loosely. Search indexes lag behind writes, so with ``label`` the labelled issues are
        also listed (a consistent read) before concluding there is none.
        """
        with self._calling():
            query = f'repo:{repo} is:issue "{marker.search_text}" in:body'
            if state is not IssueState.ALL:
                query += f" is:{state.value}"
            found = [_issue(item) for item in self._github.search_issues(query)]
            found = [issue for issue in found if marker.found_in(issue.body)]
            if not found and label is not None:
                listed = self.list_labelled_issues(repo, label, state=state)
                found = [issue for issue in listed if marker.found_in(issue.body)]
            return max(found, key=_recency, default=None)

    def create_issue(
        self, repo: str, title: str, body: str, *, labels: tuple[str, ...] = ()
    ) -> GitHubIssue:
        """Open an issue (counted against the create cap)."""
        self._create()
        with self._calling():
            return _issue(
                self._repo(repo).create_issue(title=title, body=body, labels=list(labels))
            )

    def get_issue(self, repo: str, number: int) -> GitHubIssue:
        with self._calling():
            return _issue(self._repo(repo).get_issue(number))

    def closed_by(self, repo: str, number: int) -> str | None:
        """Who closed issue or pull request ``number`` (``None`` when open or unknown)."""
        with self._calling():
            closer = self._repo(repo).get_issue(number).closed_by
            return closer.login if closer is not None else None

    def list_labelled_issues(
        self, repo: str, label: str, *, state: IssueState = IssueState.OPEN
    ) -> list[GitHubIssue]:
        """Issues (not pull requests) carrying ``label``, oldest first."""
        with self._calling():
            found = self._repo(repo).get_issues(state=state.value, labels=[label])
            issues = [_issue(item) for item in found if not _is_pull(item)]
            return sorted(issues, key=lambda issue: issue.number)

    def labeller_of(self, repo: str, number: int, label: str) -> str | None:
        """Login of whoever last applied ``label`` to the issue, or None if it is not applied."""
        with self._calling():
            who: str | None = None
            for event in self._repo(repo).get_issue(number).get_events():
                if event.label is None or event.label.name.lower() != label.lower():
                    continue
                if event.event == "labeled":
                    who = event.actor.login if event.actor else None
                elif event.event == "unlabeled":
                    who = None
            return who

    def add_labels(self, repo: str, number: int, *labels: str) -> None:
        """Add labels to an issue or pull request (adding one it has is a no-op on GitHub)."""
        self._create()
        with self._calling():
            # the object form: the description does not admit the bare list PyGithub sends
            url = f"{self._repo(repo).url}/issues/{number}/labels"
            self._github.requester.requestJsonAndCheck("POST", url, input={"labels": list(labels)})

    def remove_label(self, repo: str, number: int, label: str) -> bool:
        """Remove a label; False when it was not there (so repeating it is harmless)."""

        def remove() -> bool:
            self._repo(repo).get_issue(number).remove_from_labels(label)
            return True

        return self._unless_missing(remove, False)

    # -- comments ----------------------------------------------------------------------------

    def find_comment_with_marker(
        self, repo: str, number: int, marker: Marker
    ) -> GitHubComment | None:
        """The first comment on the issue carrying ``marker``, or None."""
        with self._calling():
            for comment in self._repo(repo).get_issue(number).get_comments():
                if marker.found_in(comment.body):
                    return _comment(comment)
            return None

    def create_comment(self, repo: str, number: int, body: str) -> GitHubComment:
        """Comment on an issue or pull request (counted against the create cap)."""
        self._create()
        with self._calling():
            return _comment(self._repo(repo).get_issue(number).create_comment(body))

    # -- pull requests -----------------------------------------------------------------------

    def find_pull_by_head(
        self, repo: str, branch: str, *, state: IssueState = IssueState.ALL
    ) -> GitHubPull | None:
        """The newest pull request from ``branch`` of this repository, or None."""
        owner = repo.split("/", 1)[0]
        with self._calling():
            pulls = self._repo(repo).get_pulls(state=state.value, head=f"{owner}:{branch}")
            numbers = [pull.number for pull in pulls]
        return self.get_pull(repo, max(numbers)) if numbers else None

    def create_pull(
        self, repo: str, *, title: str, body: str, head: str, base: str, draft: bool = False
    ) -> GitHubPull:
        """Open a pull request from ``head`` into ``base`` (counted against the create cap)."""
        self._create()
        with self._calling():
            created = self._repo(repo).create_pull(
                base=base, head=head, title=title, body=body, draft=draft
            )
            return _pull(created)

    def get_pull(self, repo: str, number: int) -> GitHubPull:
        """A pull request with its verdict fields (``merged``, ``merged_by``, ``state``)."""
        missing = GitHubNotFoundError(f"no pull request #{number} in {repo}", status=404)
        return self._unless_missing(lambda: _pull(self._repo(repo).get_pull(number)), missing)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _issue(item: Issue) -> GitHubIssue:
    return GitHubIssue(
        number=item.number,
        title=item.title,
        body=_text(item.body),
        state=IssueState(item.state),
        labels=tuple(label.name for label in item.labels),
        author=item.user.login if item.user else "",
        html_url=item.html_url,
        created_at=item.created_at,
        closed_at=item.closed_at,
    )


def _is_pull(item: Issue) -> bool:
    # GitHub lists pull requests among issues; their page is /pull/N. Asking PyGithub for
    # ``pull_request`` would cost a GET per plain issue, where that key is absent.
    return "/pull/" in item.html_url


def _recency(issue: GitHubIssue) -> tuple[float, int]:
    stamp = issue.closed_at or issue.created_at
    return (stamp.timestamp() if stamp else 0.0, issue.number)


def _comment(item: Any) -> GitHubComment:
    return GitHubComment(
        id=item.id,
        body=_text(item.body),
        author=item.user.login if item.user else "",
        html_url=item.html_url,
    )


def _pull(item: PullRequest) -> GitHubPull:
    return GitHubPull(
        number=item.number,
        title=item.title,
        body=_text(item.body),
        state=IssueState(item.state),
        merged=bool(item.merged),
        merged_by=item.merged_by.login if item.merged_by else None,
        head_ref=item.head.ref,
        head_sha=item.head.sha,
        base_ref=item.base.ref,
        merge_commit_sha=item.merge_commit_sha if item.merged else None,
        html_url=item.html_url,
    )
