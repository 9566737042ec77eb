"""The server's world: every change to users, repositories, issues and pulls goes through it.

Whether a change arrives over HTTP or through the admin API, it is a method of ``World`` so both
paths obey the same rules, under one lock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from scenarios.github_server.bare import BareRepository, MergeConflictError
from scenarios.github_server.errors import ApiError, not_found, validation_failed
from scenarios.github_server.records import (
    Comment,
    Issue,
    IssueEvent,
    Label,
    Pull,
    Repository,
    Role,
    User,
)

_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b", re.IGNORECASE)


class World:
    """All state of one server. Methods take the lock; callers never touch state unlocked."""

    def __init__(self, root: Path, clock: Callable[[], float], search_delay: float = 0.0) -> None:
        self.root = root
        self.clock = clock
        # seconds before a new issue shows up in search: GitHub's index lags behind writes
        self.search_delay = search_delay
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repository] = {}
        self._next_id = 1000

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def user(self, login: str) -> User:
        """The user with ``login``, created on first mention."""
        with self.lock:
            key = login.lower()
            if key not in self.users:
                self.users[key] = User(login=login, id=self.new_id())
            return self.users[key]

    def known_user(self, login: str) -> User:
        """An existing user, or 404 as GitHub answers for an unknown login."""
        with self.lock:
            found = self.users.get(login.lower())
            if found is None:
                raise not_found()
            return found

    # -- repositories and permissions ------------------------------------------------------

    def create_repo(self, owner: str, name: str, default_branch: str, private: bool) -> Repository:
        with self.lock:
            key = f"{owner}/{name}".lower()
            if key in self.repos:
                raise validation_failed({"resource": "Repository", "code": "already_exists"})
            git = BareRepository.init(self.root / owner / f"{name}.git", default_branch)
            repo = Repository(
                id=self.new_id(),
                owner=self.user(owner),
                name=name,
                default_branch=default_branch,
                private=private,
                git=git,
                created_at=self.clock(),
            )
            self.repos[key] = repo
            return repo

    def repo(self, full_name: str, viewer: User | None = None) -> Repository:
        """The repository, or 404 when absent or private and hidden from ``viewer``."""
        with self.lock:
            repo = self.repos.get(full_name.lower())
            if repo is None:
                raise not_found()
            if (
                viewer is not None
                and repo.private
                and not self.role(repo, viewer).at_least(Role.READ)
            ):
                raise not_found()
            return repo

    def role(self, repo: Repository, user: User) -> Role:
        """A user's role; outsiders read public repositories and see nothing of private ones."""
        with self.lock:
            if user.login.lower() == repo.owner.login.lower():
                return Role.ADMIN
            if user.login.lower() in repo.collaborators:
                return repo.collaborators[user.login.lower()]
            return Role.NONE if repo.private else Role.READ

    def require(self, repo: Repository, user: User, role: Role) -> None:
        if not self.role(repo, user).at_least(role):
            raise ApiError(403, "Resource not accessible by personal access token")

    def add_collaborator(self, repo: Repository, login: str, role: Role) -> None:
        with self.lock:
            self.user(login)
            repo.collaborators[login.lower()] = role

    # -- labels ----------------------------------------------------------------------------

    def label(self, repo: Repository, name: str, create: bool = False) -> Label:
        with self.lock:
            found = repo.labels.get(name.lower())
            if found is None:
                if not create:
                    raise not_found()
                found = Label(id=self.new_id(), name=name)
                repo.labels[name.lower()] = found
            return found

    def create_label(
        self, repo: Repository, name: str, color: str, description: str | None
    ) -> Label:
        with self.lock:
            if name.lower() in repo.labels:
                raise validation_failed(
                    {"resource": "Label", "code": "already_exists", "field": "name"}
                )
            found = Label(id=self.new_id(), name=name, color=color, description=description)
            repo.labels[name.lower()] = found
            return found

    # -- issues ----------------------------------------------------------------------------

    def issue(self, repo: Repository, number: int) -> Issue:
        with self.lock:
            found = repo.issues.get(number)
            if found is None:
                raise not_found()
            return found

    def open_issue(
        self, repo: Repository, user: User, title: str, body: str | None, labels: Iterable[str]
    ) -> Issue:
        with self.lock:
            now = self.clock()
            issue = Issue(
                number=len(repo.issues) + 1,
                id=self.new_id(),
                title=title,
                body=body,
                user=user,
                created_at=now,
                updated_at=now,
            )
            repo.issues[issue.number] = issue
            self.add_labels(repo, issue, labels, user)
            return issue

    def add_labels(self, repo: Repository, issue: Issue, names: Iterable[str], actor: User) -> None:
        with self.lock:
            for name in names:
                label = self.label(repo, name, create=True)
                if any(have.id == label.id for have in issue.labels):
                    continue
                issue.labels.append(label)
                self._event(issue, "labeled", actor, label)

    def remove_label(self, repo: Repository, issue: Issue, name: str, actor: User) -> None:
        with self.lock:
            for have in issue.labels:
                if have.name.lower() == name.lower():
                    issue.labels.remove(have)
                    self._event(issue, "unlabeled", actor, have)
                    return
            raise ApiError(404, "Label does not exist")

    def _event(self, issue: Issue, kind: str, actor: User, label: Label) -> None:
        now = self.clock()
        issue.events.append(IssueEvent(self.new_id(), kind, actor, label, now))
        issue.updated_at = now

    def set_state(self, issue: Issue, state: str, actor: User, reason: str | None = None) -> None:
        with self.lock:
            if state == issue.state:
                return
            now = self.clock()
            issue.state = state
            issue.updated_at = now
            if state == "closed":
                issue.closed_at, issue.closed_by = now, actor
                issue.state_reason = reason or "completed"
            else:
                issue.closed_at, issue.closed_by = None, None
                issue.state_reason = "reopened"

    def create_comment(self, issue: Issue, user: User, body: str) -> Comment:
        with self.lock:
            now = self.clock()
            comment = Comment(self.new_id(), user, body, now, now)
            issue.comments.append(comment)
            issue.updated_at = now
            return comment

    # -- pull requests ---------------------------------------------------------------------

    def open_pull(
        self,
        repo: Repository,
        user: User,
        title: str,
        body: str | None,
        head: str,
        base: str,
        draft: bool = False,
    ) -> Issue:
        with self.lock:
            head_owner, _, head_ref = head.rpartition(":")
            head_owner = head_owner or repo.owner.login
            head_sha = repo.git.branch_sha(head_ref)
            base_sha = repo.git.branch_sha(base)
            if head_owner.lower() != repo.owner.login.lower() or head_sha is None:
                raise validation_failed(
                    {"resource": "PullRequest", "field": "head", "code": "invalid"}
                )
            if base_sha is None:
                raise validation_failed(
                    {"resource": "PullRequest", "field": "base", "code": "invalid"}
                )
            for other in repo.issues.values():
                pull = other.pull
                if (
                    pull
                    and other.state == "open"
                    and (pull.head_ref, pull.base_ref)
                    == (
                        head_ref,
                        base,
                    )
                ):
                    message = f"A pull request already exists for {head_owner}:{head_ref}."
                    raise validation_failed(
                        {"resource": "PullRequest", "code": "custom", "message": message}
                    )
            if repo.git.commits_between(base_sha, head_sha) == 0:
                message = f"No commits between {base} and {head_ref}"
                raise validation_failed(
                    {"resource": "PullRequest", "code": "custom", "message": message}
                )
            issue = self.open_issue(repo, user, title, body, ())
            issue.pull = Pull(
                id=self.new_id(),
                head_ref=head_ref,
                head_owner=head_owner,
                base_ref=base,
                head_sha=head_sha,
                base_sha=base_sha,
                draft=draft,
            )
            return issue

    def refresh_pull(self, repo: Repository, issue: Issue) -> Pull:
        """An open pull request follows its branches; a closed one keeps its last shas."""
        with self.lock:
            pull = _pull_of(issue)
            if issue.state == "open":
                pull.head_sha = repo.git.branch_sha(pull.head_ref) or pull.head_sha
                pull.base_sha = repo.git.branch_sha(pull.base_ref) or pull.base_sha
            return pull

    def merge_pull(
        self,
        repo: Repository,
        issue: Issue,
        user: User,
        *,
        sha: str | None = None,
        title: str | None = None,
        message: str | None = None,
        method: str = "merge",
    ) -> str:
        """Merge for real in the bare repository; close the issues its body says it closes."""
        with self.lock:
            pull = self.refresh_pull(repo, issue)
            if issue.state != "open":
                raise ApiError(405, "Pull Request is not mergeable")
            if sha is not None and sha != pull.head_sha:
                raise ApiError(409, "Head branch was modified. Review and try the merge again.")
            headline = title or f"Merge pull request #{issue.number} from {pull.head_ref}"
            text = f"{headline}\n\n{message or issue.title}"
            try:
                commit = repo.git.merge(
                    pull.base_ref, pull.head_sha, text, user.login, squash=method == "squash"
                )
            except MergeConflictError as exc:
                raise ApiError(405, "Pull Request is not mergeable") from exc
            pull.merged, pull.merged_at, pull.merged_by = True, self.clock(), user
            pull.merge_commit_sha = commit
            self.set_state(issue, "closed", user)
            if pull.base_ref == repo.default_branch:
                for number in _CLOSING.findall(issue.body or ""):
                    target = repo.issues.get(int(number))
                    if target is not None and target.pull is None:
                        self.set_state(target, "closed", user)
            return commit


def _pull_of(issue: Issue) -> Pull:
    if issue.pull is None:
        raise not_found()
    return issue.pull
