"""Errors of the GitHub adapter, and the one place PyGithub's exceptions are translated.

    EvoKernelError
    └── GitHubError                          any GitHub failure; ``status`` when one was answered
        ├── GitHubAuthError(PermissionError)    401 bad credentials / 2FA, 403 forbidden, bad agent
        ├── GitHubNotFoundError(LookupError)    404, or an object that cannot be completed
        ├── GitHubRateLimitError                a limit that outlasted the retries or the max wait
        ├── GitHubConflictError                 409 / 422: exists already, head moved, invalid
        ├── GitHubUnavailableError(ConnectionError)  5xx, no answer, a malformed answer
        └── GitPushError                        ``git push`` failed (``returncode``, ``stderr``)

Messages never contain the token: every message is passed through ``redact`` with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import github
import requests

from evokernel.adapters.github.redact import redact
from evokernel.errors import EvoKernelError


class GitHubError(EvoKernelError):
    """Base of every error the GitHub adapter raises."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class GitHubAuthError(GitHubError, PermissionError):
    """The token is missing, invalid, or lacks the permission for this request."""


class GitHubNotFoundError(GitHubError, LookupError):
    """The repository, issue, pull request, ref or user does not exist (or is hidden)."""


class GitHubRateLimitError(GitHubError):
    """A rate limit we could not wait out: retries ran out or the wait exceeds the maximum.

    Attributes:
        reset_at: epoch seconds when the primary limit resets, when GitHub said.
        retry_after: seconds GitHub asked us to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reset_at: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.reset_at = reset_at
        self.retry_after = retry_after
        super().__init__(message, status=status)


class GitHubConflictError(GitHubError):
    """GitHub refused a change: it exists already, a branch moved, or a field is invalid."""

    def __init__(
        self, message: str, *, status: int | None = None, errors: list[Any] | None = None
    ) -> None:
        self.errors = errors or []
        super().__init__(message, status=status)


class GitHubUnavailableError(GitHubError, ConnectionError):
    """GitHub did not answer usefully: a 5xx after retries, no connection, or garbled data."""


class GitPushError(GitHubError):
    """``git push`` failed; ``stderr`` is redacted."""

    def __init__(self, message: str, *, returncode: int, stderr: str) -> None:
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(message)


# Map each PyGithub exception class to ours; resolution walks the raised class's MRO so the
# most specific entry wins. A meta-test checks every PyGithub exception class is listed here.
EXCEPTION_MAP: Mapping[type[BaseException], type[GitHubError]] = {
    github.BadCredentialsException: GitHubAuthError,
    github.TwoFactorException: GitHubAuthError,
    github.BadUserAgentException: GitHubAuthError,
    github.UnknownObjectException: GitHubNotFoundError,
    github.IncompletableObject: GitHubNotFoundError,
    github.RateLimitExceededExceedsMaxWait: GitHubRateLimitError,
    github.RateLimitExceededException: GitHubRateLimitError,
    github.BadAttributeException: GitHubUnavailableError,
    github.GithubException: GitHubError,
    requests.exceptions.ConnectionError: GitHubUnavailableError,
    requests.exceptions.Timeout: GitHubUnavailableError,
    requests.exceptions.RetryError: GitHubUnavailableError,
    requests.exceptions.RequestException: GitHubUnavailableError,
}

_BY_STATUS: Mapping[int, type[GitHubError]] = {
    401: GitHubAuthError,
    403: GitHubAuthError,
    404: GitHubNotFoundError,
    409: GitHubConflictError,
    422: GitHubConflictError,
    429: GitHubRateLimitError,
}


def translate(exc: BaseException, secrets: Iterable[str]) -> GitHubError:
    """Our error for a PyGithub or requests exception; the message is redacted.

    The caller raises it ``from exc``. A plain ``GithubException`` is refined by its status.
    """
    mapped = next(
        (EXCEPTION_MAP[cls] for cls in type(exc).__mro__ if cls in EXCEPTION_MAP), GitHubError
    )
    status = getattr(exc, "status", None)
    status = status if isinstance(status, int) and status > 0 else None
    if mapped is GitHubError and status is not None:
        mapped = _BY_STATUS.get(status, GitHubUnavailableError if status >= 500 else GitHubError)
    message = redact(_describe(exc, status), secrets)
    if mapped is GitHubRateLimitError:
        headers = _headers(exc)
        return GitHubRateLimitError(
            message,
            status=status,
            reset_at=_int(headers.get("x-ratelimit-reset")),
            retry_after=_int(headers.get("retry-after")),
        )
    if mapped is GitHubConflictError:
        data = getattr(exc, "data", None)
        errors = data.get("errors") if isinstance(data, dict) else None
        return GitHubConflictError(message, status=status, errors=errors)
    return mapped(message, status=status)


def _describe(exc: BaseException, status: int | None) -> str:
    data = getattr(exc, "data", None)
    detail = data.get("message") if isinstance(data, dict) else None
    errors = data.get("errors") if isinstance(data, dict) else None
    if detail is None:
        detail = str(exc) or type(exc).__name__
    if errors:
        detail = f"{detail} {errors}"
    return f"GitHub {status}: {detail}" if status else f"GitHub: {detail}"


def _headers(exc: BaseException) -> dict[str, str]:
    raw = getattr(exc, "headers", None) or {}
    return {str(key).lower(): str(value) for key, value in dict(raw).items()}


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
