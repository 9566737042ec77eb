"""The GitHub adapter: PyGithub behind one client, typed errors, markers, safe token handling."""

from __future__ import annotations

from evokernel.github.client import GitHubClient
from evokernel.github.credentials import DEFAULT_TOKEN_ENV, token_from_environ
from evokernel.github.errors import (
    GitHubAuthError,
    GitHubConflictError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubUnavailableError,
    GitPushError,
)
from evokernel.github.markers import Marker, MarkerKey, parse_markers
from evokernel.github.models import GitHubComment, GitHubIssue, GitHubPull, IssueState
from evokernel.github.push import git_push
from evokernel.github.redact import REDACTED, RedactingFilter, install_redaction, redact
from evokernel.github.throttle import CreateThrottle

__all__ = [
    "DEFAULT_TOKEN_ENV",
    "REDACTED",
    "CreateThrottle",
    "GitHubAuthError",
    "GitHubClient",
    "GitHubComment",
    "GitHubConflictError",
    "GitHubError",
    "GitHubIssue",
    "GitHubNotFoundError",
    "GitHubPull",
    "GitHubRateLimitError",
    "GitHubUnavailableError",
    "GitPushError",
    "IssueState",
    "Marker",
    "MarkerKey",
    "RedactingFilter",
    "git_push",
    "install_redaction",
    "parse_markers",
    "redact",
    "token_from_environ",
]
