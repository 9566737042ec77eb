"""GitHub: the adapter (PyGithub behind one client, typed errors, markers, safe token handling)
and the closed loop on top of it (``GitHubLoop``: detect, deliver, reconcile verdicts)."""

from __future__ import annotations

from evokernel.adapters.github.client import GitHubClient
from evokernel.adapters.github.clone import CloneError, LocalClone
from evokernel.adapters.github.credentials import (
    DEFAULT_TOKEN_ENV,
    DEFAULT_TOKEN_ENVS,
    default_clone_url,
    token_from_environ,
)
from evokernel.adapters.github.errors import (
    GitHubAuthError,
    GitHubConflictError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubUnavailableError,
    GitPushError,
)
from evokernel.adapters.github.loop import GitHubLoop, open_github_loop
from evokernel.adapters.github.markers import Marker, MarkerKey, parse_markers
from evokernel.adapters.github.models import GitHubComment, GitHubIssue, GitHubPull, IssueState
from evokernel.adapters.github.push import git_push
from evokernel.adapters.github.redact import REDACTED, RedactingFilter, install_redaction, redact
from evokernel.adapters.github.reports import (
    DetectAction,
    DetectReport,
    IssueAction,
    IssueReport,
    IssueStatus,
    LoopStatus,
    TickReport,
    VerdictReport,
)
from evokernel.adapters.github.settings import DEFAULT_API_URL, DEFAULT_LABEL, GitHubLoopSettings
from evokernel.adapters.github.status import read_status
from evokernel.adapters.github.throttle import CreateThrottle

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_LABEL",
    "DEFAULT_TOKEN_ENV",
    "DEFAULT_TOKEN_ENVS",
    "REDACTED",
    "CloneError",
    "CreateThrottle",
    "DetectAction",
    "DetectReport",
    "GitHubAuthError",
    "GitHubClient",
    "GitHubComment",
    "GitHubConflictError",
    "GitHubError",
    "GitHubIssue",
    "GitHubLoop",
    "GitHubLoopSettings",
    "GitHubNotFoundError",
    "GitHubPull",
    "GitHubRateLimitError",
    "GitHubUnavailableError",
    "GitPushError",
    "IssueAction",
    "IssueReport",
    "IssueState",
    "IssueStatus",
    "LocalClone",
    "LoopStatus",
    "Marker",
    "MarkerKey",
    "RedactingFilter",
    "TickReport",
    "VerdictReport",
    "default_clone_url",
    "git_push",
    "install_redaction",
    "open_github_loop",
    "parse_markers",
    "read_status",
    "redact",
    "token_from_environ",
]
