"""What the adapter hands back: small frozen values, so callers never hold PyGithub objects."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from evokernel.domain.models import Model


class IssueState(StrEnum):
    """Issue and pull request states as GitHub filters them."""

    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class GitHubIssue(Model):
    """An issue as the loop needs it."""

    number: int
    """The issue number in its repository."""
    title: str
    """The title."""
    body: str
    """The body (empty when GitHub has none)."""
    state: IssueState
    """``open`` or ``closed``."""
    labels: tuple[str, ...]
    """Label names, in GitHub's order."""
    author: str
    """Login of the user who opened it."""
    html_url: str
    """Where a person reads it."""
    created_at: datetime | None = None
    """When it was opened."""
    closed_at: datetime | None = None
    """When it was closed, if it is."""


class GitHubPull(Model):
    """A pull request and its verdict fields."""

    number: int
    """The pull request number (shared numbering with issues)."""
    title: str
    """The title."""
    body: str
    """The body (empty when GitHub has none)."""
    state: IssueState
    """``open`` or ``closed``."""
    merged: bool
    """True once merged; a closed pull request with ``merged`` False was rejected."""
    merged_by: str | None
    """Login of who merged it: the approver."""
    head_ref: str
    """The branch it proposes, e.g. ``evo/issue-7``."""
    head_sha: str
    """The head commit."""
    base_ref: str
    """The branch it targets."""
    merge_commit_sha: str | None
    """The merge commit, once merged."""
    html_url: str
    """Where a person reviews it."""


class GitHubComment(Model):
    """A comment on an issue or pull request."""

    id: int
    """GitHub's comment id."""
    body: str
    """The text."""
    author: str
    """Login of the commenter."""
    html_url: str
    """Where a person reads it."""
