"""The token never reaches a log line, an error message, or the request log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from evokernel.adapters.github import (
    GitHubClient,
    GitHubError,
    Marker,
    MarkerKey,
    RedactingFilter,
    install_redaction,
    redact,
    token_from_environ,
)
from scenarios.github_server import FailureKind, LocalGitHub
from tests.github.conftest import REPO, TOKEN, FakeTime


def test_redact_replaces_every_occurrence_and_ignores_empty_secrets() -> None:
    assert redact(f"a {TOKEN} b {TOKEN}", [TOKEN, ""]) == "a *** b ***"
    assert redact("nothing here", [""]) == "nothing here"


@pytest.fixture
def leaky_logger() -> Iterator[tuple[logging.Logger, list[str]]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = logging.getLogger("tests.github.leaky")
    handler = Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, lines
    logger.removeHandler(handler)


def test_filter_redacts_message_arguments_and_traceback(
    leaky_logger: tuple[logging.Logger, list[str]],
) -> None:
    logger, lines = leaky_logger
    logger.handlers[0].addFilter(RedactingFilter([TOKEN]))
    logger.info("token is %s", TOKEN)
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        logger.exception("oops %s", "x")
    text = "\n".join(lines)
    assert TOKEN not in text
    assert text.count("***") == 2


def test_install_redaction_covers_existing_handlers(
    leaky_logger: tuple[logging.Logger, list[str]],
) -> None:
    logger, lines = leaky_logger
    installed = install_redaction([TOKEN])
    try:
        logger.warning("Authorization: token %s", TOKEN)
        assert lines == ["Authorization: token ***"]
        assert installed in logging.getLogger("github").handlers[0].filters  # PyGithub's own
    finally:
        for item in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
            for handler in getattr(item, "handlers", []):
                handler.removeFilter(installed)


def test_token_never_appears_in_logs_errors_or_the_request_log(
    github_server: LocalGitHub,
    seeded: Path,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    github_server.inject(FailureKind.SECONDARY_RATE_LIMIT, method="POST", retry_after=3)
    github_server.inject(FailureKind.SERVER_ERROR, method="GET", path=f"/repos/{REPO}/pulls")
    github_server.inject(FailureKind.TOO_MANY_REQUESTS, path="/search/issues", retry_after=1)
    errors: list[GitHubError] = []
    with GitHubClient(
        github_server.api_url, TOKEN, clock=fake_time.clock, sleep=fake_time.sleep
    ) as client:
        issue = client.create_issue(REPO, "t", "b", labels=("evo",))
        client.find_pull_by_head(REPO, "evo/issue-1")
        client.list_labelled_issues(REPO, "evo")
        client.labeller_of(REPO, issue.number, "evo")
        client.has_write_access(REPO, "someone")
        client.find_issue_by_marker(REPO, Marker(key=MarkerKey.SIGNATURE, value="abc"))
        for failing in (lambda: client.get_pull(REPO, 404), lambda: client.default_branch("x/y")):
            try:
                failing()
            except GitHubError as exc:
                errors.append(exc)
    with GitHubClient(github_server.api_url, TOKEN + "-wrong") as stranger:
        try:
            stranger.default_branch(REPO)
        except GitHubError as exc:
            errors.append(exc)
    assert len(errors) == 3 and fake_time.sleeps  # failures and waits really happened
    assert caplog.records  # PyGithub and urllib3 did log at DEBUG
    assert TOKEN not in caplog.text
    for error in errors:
        chain: BaseException | None = error
        while chain is not None:
            assert TOKEN not in str(chain) and TOKEN not in repr(chain.args)
            chain = chain.__cause__ or chain.__context__
    for exchange in github_server.exchanges():
        assert TOKEN not in repr(exchange)


def test_token_from_environ_names_the_variable_but_never_the_value() -> None:
    assert token_from_environ({"GITHUB_TOKEN": f" {TOKEN}\n"}) == TOKEN
    assert token_from_environ({"MY_TOKEN": TOKEN}, "MY_TOKEN") == TOKEN
    with pytest.raises(GitHubError, match="GITHUB_TOKEN"):
        token_from_environ({})
    with pytest.raises(GitHubError, match="MY_TOKEN"):
        token_from_environ({"MY_TOKEN": "  ", "GITHUB_TOKEN": TOKEN}, "MY_TOKEN")
