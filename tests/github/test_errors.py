"""Every exception PyGithub (and requests beneath it) can raise at us is mapped (httpx-style)."""

from __future__ import annotations

import inspect

import github
import github.GithubException
import pytest
import requests

from evokernel.adapters.github import (
    GitHubAuthError,
    GitHubConflictError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubUnavailableError,
)
from evokernel.adapters.github.errors import EXCEPTION_MAP, translate
from evokernel.errors import EvoKernelError

SECRET = "ghp_secretValueThatMustNeverShow"


def _pygithub_exception_classes() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for module in (github, github.GithubException):
        for _, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, BaseException) and member.__module__.startswith("github"):
                found.add(member)
    pending = list(found)
    while pending:  # and every subclass, wherever it is defined
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("github") and sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def test_every_pygithub_exception_class_is_mapped_explicitly() -> None:
    classes = _pygithub_exception_classes()
    assert github.GithubException in classes and github.BadAttributeException in classes
    unmapped = sorted(cls.__name__ for cls in classes if cls not in EXCEPTION_MAP)
    assert unmapped == []


def test_requests_failures_beneath_pygithub_are_mapped() -> None:
    for cls in (requests.ConnectionError, requests.Timeout, requests.exceptions.RetryError):
        assert isinstance(translate(cls("boom"), []), GitHubUnavailableError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, GitHubAuthError),
        (403, GitHubAuthError),
        (404, GitHubNotFoundError),
        (409, GitHubConflictError),
        (422, GitHubConflictError),
        (429, GitHubRateLimitError),
        (500, GitHubUnavailableError),
        (502, GitHubUnavailableError),
        (410, GitHubError),
    ],
)
def test_plain_github_exception_is_refined_by_status(
    status: int, expected: type[GitHubError]
) -> None:
    mapped = translate(github.GithubException(status, {"message": "x"}, {}), [])
    assert type(mapped) is expected
    assert mapped.status == status


def test_specific_classes_win_over_status() -> None:
    limited = github.RateLimitExceededException(
        403, {"message": "API rate limit exceeded"}, {"x-ratelimit-reset": "1900000000"}
    )
    mapped = translate(limited, [])
    assert isinstance(mapped, GitHubRateLimitError) and mapped.reset_at == 1_900_000_000
    assert isinstance(translate(github.BadCredentialsException(401, {}, {}), []), GitHubAuthError)
    unknown = github.UnknownObjectException(404, {"message": "Not Found"}, {})
    assert isinstance(translate(unknown, []), GitHubNotFoundError)


def test_conflict_carries_github_errors_list() -> None:
    data = {"message": "Validation Failed", "errors": [{"code": "custom", "message": "exists"}]}
    mapped = translate(github.GithubException(422, data, {}), [])
    assert isinstance(mapped, GitHubConflictError)
    assert mapped.errors == data["errors"]


def test_messages_are_redacted() -> None:
    leaky = github.GithubException(500, {"message": f"token {SECRET} rejected"}, {})
    mapped = translate(leaky, [SECRET])
    assert SECRET not in str(mapped) and "***" in str(mapped)


def test_family_mixes_in_the_builtins_callers_catch() -> None:
    assert issubclass(GitHubError, EvoKernelError)
    assert issubclass(GitHubNotFoundError, LookupError)
    assert issubclass(GitHubAuthError, PermissionError)
    assert issubclass(GitHubUnavailableError, ConnectionError)
