"""GitHubClient against the running local server: each method, rate limits, retries, the cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.adapters.github import (
    GitHubAuthError,
    GitHubClient,
    GitHubConflictError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    GitHubUnavailableError,
    IssueState,
    Marker,
    MarkerKey,
)
from scenarios.github_server import FailureKind, LocalGitHub, Role
from tests.github.conftest import OWNER, REPO, TOKEN, FakeTime, ServerFactory, faked_client

SIGNATURE = Marker(key=MarkerKey.SIGNATURE, value="sha256:3f2a9c")
PR_OPENED = Marker(key=MarkerKey.STEP, value="pr-opened")


def _posts(server: LocalGitHub, path: str) -> int:
    return sum(1 for x in server.exchanges() if x.method == "POST" and x.path == path)


def test_default_branch_and_branch_heads(client: GitHubClient, seeded: Path) -> None:
    assert client.default_branch(REPO) == "main"
    heads = client.branch_heads(REPO, "evo/")
    assert list(heads) == ["evo/issue-1"]
    assert client.get_ref_sha(REPO, "evo/issue-1") == heads["evo/issue-1"]
    assert client.get_ref_sha(REPO, "evo/issue-") is None  # a prefix is not a branch
    assert client.get_ref_sha(REPO, "evo/issue-2") is None


def test_find_issue_by_marker_before_and_after_create(
    client: GitHubClient, github_server: LocalGitHub
) -> None:
    assert client.find_issue_by_marker(REPO, SIGNATURE) is None
    github_server.open_issue(
        REPO, author=OWNER, title="decoy", body="evokernel:signature=sha256:3f2a9c"
    )
    created = client.create_issue(
        REPO, "tests fail", f"report\n{SIGNATURE.render()}", labels=("evo",)
    )
    found = client.find_issue_by_marker(REPO, SIGNATURE)
    assert found is not None and found.number == created.number
    assert found.labels == ("evo",) and found.author == OWNER and found.state is IssueState.OPEN
    assert client.find_issue_by_marker(REPO, SIGNATURE, state=IssueState.CLOSED) is None


def test_find_issue_by_marker_finds_closed_ones_with_their_close_time(
    client: GitHubClient, github_server: LocalGitHub
) -> None:
    number = github_server.open_issue(REPO, author=OWNER, title="t", body=SIGNATURE.render())
    github_server.close_issue(REPO, number, actor=OWNER)
    found = client.find_issue_by_marker(REPO, SIGNATURE, state=IssueState.CLOSED)
    assert found is not None and found.number == number and found.closed_at is not None
    assert client.find_issue_by_marker(REPO, SIGNATURE) is None


def test_find_issue_by_marker_falls_back_to_the_label_listing_when_search_lags(
    start_server: ServerFactory, fake_time: FakeTime
) -> None:
    """GitHub's search index lags behind writes; the labelled listing is a consistent read."""
    server = start_server(search_delay=60, clock=fake_time.clock)
    server.create_repo(REPO)
    with faked_client(server, fake_time) as client:
        created = client.create_issue(REPO, "t", SIGNATURE.render(), labels=("evo",))
        assert client.find_issue_by_marker(REPO, SIGNATURE) is None  # not indexed yet
        found = client.find_issue_by_marker(REPO, SIGNATURE, label="evo")
        assert found is not None and found.number == created.number
        fake_time.sleep(61)
        assert client.find_issue_by_marker(REPO, SIGNATURE) == found


def test_list_labelled_issues_excludes_pull_requests(
    client: GitHubClient, github_server: LocalGitHub, seeded: Path
) -> None:
    one = github_server.open_issue(REPO, author=OWNER, title="one", labels=["evo"])
    github_server.open_issue(REPO, author=OWNER, title="two")
    pull = client.create_pull(REPO, title="p", body="", head="evo/issue-1", base="main")
    client.add_labels(REPO, pull.number, "evo")
    assert [issue.number for issue in client.list_labelled_issues(REPO, "evo")] == [one]


def test_labeller_of_follows_labeled_and_unlabeled_events(
    client: GitHubClient, github_server: LocalGitHub
) -> None:
    number = github_server.open_issue(REPO, author="mallory", title="run this")
    assert client.labeller_of(REPO, number, "evo") is None
    github_server.add_label(REPO, number, "evo", actor="mallory")
    assert client.labeller_of(REPO, number, "evo") == "mallory"
    github_server.remove_label(REPO, number, "evo", actor="alice")
    assert client.labeller_of(REPO, number, "evo") is None
    github_server.add_label(REPO, number, "evo", actor="alice")
    assert client.labeller_of(REPO, number, "evo") == "alice"


def test_write_access_for_collaborators_only(
    client: GitHubClient, github_server: LocalGitHub
) -> None:
    github_server.add_collaborator(REPO, "alice", Role.WRITE)
    github_server.add_collaborator(REPO, "maya", Role.MAINTAIN)
    github_server.add_collaborator(REPO, "trish", Role.TRIAGE)
    github_server.add_token("mallory-token", "mallory")
    assert client.has_write_access(REPO, OWNER)
    assert client.has_write_access(REPO, "alice")
    assert client.has_write_access(REPO, "maya")
    assert not client.has_write_access(REPO, "trish")
    assert client.permission_of(REPO, "mallory") == "read"  # outsider on a public repository
    assert client.permission_of(REPO, "ghost") == "none"  # unknown user
    assert not client.has_write_access(REPO, "ghost")


def test_pull_lookup_create_and_verdicts(
    client: GitHubClient, github_server: LocalGitHub, seeded: Path
) -> None:
    assert client.find_pull_by_head(REPO, "evo/issue-1") is None
    created = client.create_pull(
        REPO, title="Fix total", body="Closes #1", head="evo/issue-1", base="main"
    )
    found = client.find_pull_by_head(REPO, "evo/issue-1")
    assert found == created
    assert (found.state, found.merged, found.merged_by) == (IssueState.OPEN, False, None)
    with pytest.raises(GitHubConflictError) as caught:
        client.create_pull(REPO, title="again", body="", head="evo/issue-1", base="main")
    assert caught.value.status == 422 and caught.value.errors

    github_server.add_collaborator(REPO, "alice", Role.WRITE)
    sha = github_server.merge_pull(REPO, created.number, actor="alice")
    verdict = client.get_pull(REPO, created.number)
    assert (verdict.state, verdict.merged, verdict.merged_by) == (IssueState.CLOSED, True, "alice")
    assert verdict.merge_commit_sha == sha
    assert client.get_ref_sha(REPO, "main") == sha
    with pytest.raises(GitHubNotFoundError):
        client.get_pull(REPO, 99)


def test_closed_unmerged_pull_is_a_rejection(
    client: GitHubClient, github_server: LocalGitHub, seeded: Path
) -> None:
    created = client.create_pull(REPO, title="Fix", body="", head="evo/issue-1", base="main")
    github_server.close_pull(REPO, created.number, actor=OWNER)
    verdict = client.get_pull(REPO, created.number)
    assert (verdict.state, verdict.merged, verdict.merged_by) == (IssueState.CLOSED, False, None)


def test_comments_by_marker_and_idempotent_labels(
    client: GitHubClient, github_server: LocalGitHub
) -> None:
    number = github_server.open_issue(REPO, author=OWNER, title="t", labels=["evo"])
    github_server.comment(REPO, number, "unrelated", author="alice")
    assert client.find_comment_with_marker(REPO, number, PR_OPENED) is None
    made = client.create_comment(REPO, number, f"Opened #2\n{PR_OPENED.render()}")
    assert client.find_comment_with_marker(REPO, number, PR_OPENED) == made
    client.add_labels(REPO, number, "evo:pr-open")
    client.add_labels(REPO, number, "evo:pr-open")
    assert client.remove_label(REPO, number, "evo") is True
    assert client.remove_label(REPO, number, "evo") is False
    assert github_server.issues(REPO)[0].labels == ("evo:pr-open",)


@pytest.mark.parametrize(
    ("kind", "retry_after", "expected_wait"),
    [
        (FailureKind.SECONDARY_RATE_LIMIT, 17, 17.0),
        (FailureKind.TOO_MANY_REQUESTS, 5, 5.0),
    ],
)
def test_secondary_limits_wait_retry_after_then_complete(
    client: GitHubClient,
    github_server: LocalGitHub,
    fake_time: FakeTime,
    kind: FailureKind,
    retry_after: int,
    expected_wait: float,
) -> None:
    github_server.inject(kind, method="POST", path=f"/repos/{REPO}/issues", retry_after=retry_after)
    created = client.create_issue(REPO, "t", "b")
    assert created.number == 1
    assert fake_time.sleeps == [expected_wait]
    assert _posts(github_server, f"/repos/{REPO}/issues") == 2  # refused once, then created once
    assert len(github_server.issues(REPO)) == 1


def test_secondary_limit_without_retry_after_waits_the_default(
    github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    github_server.inject(FailureKind.SECONDARY_RATE_LIMIT, path="/search/issues", retry_after=None)
    with faked_client(github_server, fake_time, secondary_wait=42) as client:
        assert client.find_issue_by_marker(REPO, SIGNATURE) is None
    assert fake_time.sleeps == [42]


def test_primary_exhaustion_waits_until_reset(
    client: GitHubClient, github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    reset_at = int(fake_time.now) + 120
    github_server.inject(FailureKind.PRIMARY_RATE_LIMIT, path=f"/repos/{REPO}", reset_at=reset_at)
    assert client.default_branch(REPO) == "main"
    assert fake_time.sleeps == [121.0]  # until the reset, plus one second of slack
    assert fake_time.now >= reset_at


def test_natural_exhaustion_against_the_server_clock(
    start_server: ServerFactory, fake_time: FakeTime
) -> None:
    server = start_server(core_limit=3, clock=fake_time.clock)
    server.create_repo(REPO)
    with faked_client(server, fake_time) as client:
        for n in range(4):
            client.create_issue(REPO, f"issue {n}", "")
    assert len(fake_time.sleeps) == 1 and 3590 < fake_time.sleeps[0] <= 3601
    assert len(server.issues(REPO)) == 4


def test_a_wait_longer_than_the_maximum_raises_with_the_reset(
    github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    reset_at = int(fake_time.now) + 7200
    github_server.inject(FailureKind.PRIMARY_RATE_LIMIT, reset_at=reset_at)
    with (
        faked_client(github_server, fake_time, max_rate_limit_wait=600) as client,
        pytest.raises(GitHubRateLimitError) as caught,
    ):
        client.default_branch(REPO)
    assert caught.value.reset_at == reset_at
    assert caught.value.retry_after is not None and caught.value.retry_after > 600
    assert fake_time.sleeps == []


def test_rate_limit_outlasting_the_retries_raises(
    github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    github_server.inject(FailureKind.TOO_MANY_REQUESTS, retry_after=2, times=10)
    with (
        faked_client(github_server, fake_time, max_retries=3) as client,
        pytest.raises(GitHubRateLimitError) as caught,
    ):
        client.default_branch(REPO)
    assert caught.value.status == 429 and caught.value.retry_after == 2
    assert fake_time.sleeps == [2, 2, 2]


def test_server_errors_on_reads_are_retried_with_backoff(
    client: GitHubClient, github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    github_server.inject(FailureKind.SERVER_ERROR, method="GET", path=f"/repos/{REPO}", times=3)
    assert client.default_branch(REPO) == "main"
    assert fake_time.sleeps == [2.0, 4.0]  # urllib3's backoff: none after the first failure


def test_server_error_on_a_create_is_not_retried(
    client: GitHubClient, github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    """GitHub may have created it; lookup-before-create decides on the next attempt."""
    github_server.inject(FailureKind.SERVER_ERROR, method="POST", path=f"/repos/{REPO}/issues")
    with pytest.raises(GitHubUnavailableError) as caught:
        client.create_issue(REPO, "t", "b")
    assert caught.value.status == 500
    assert _posts(github_server, f"/repos/{REPO}/issues") == 1
    assert fake_time.sleeps == []


def test_create_cap_spaces_content_creation(
    github_server: LocalGitHub, fake_time: FakeTime
) -> None:
    with faked_client(github_server, fake_time, per_minute_create_cap=3) as client:
        number = client.create_issue(REPO, "t", "").number
        fake_time.sleep(10)
        client.create_comment(REPO, number, "a")
        client.add_labels(REPO, number, "x")
        assert fake_time.sleeps == [10]
        client.create_comment(REPO, number, "b")  # the 4th creation within the minute waits
    assert fake_time.sleeps == [10, 50.0]
    assert len(github_server.issues(REPO)[0].comments) == 2


def test_default_cap_is_twenty_per_minute(client: GitHubClient, fake_time: FakeTime) -> None:
    for n in range(21):
        client.create_issue(REPO, f"t{n}", "")
    assert fake_time.sleeps == [60.0]
    assert client.throttle.per_minute == 20


def test_bad_token_is_an_auth_error(github_server: LocalGitHub) -> None:
    with (
        GitHubClient(github_server.api_url, "not-a-token") as client,
        pytest.raises(GitHubAuthError) as caught,
    ):
        client.default_branch(REPO)
    assert caught.value.status == 401


def test_permission_403_is_not_waited_on(github_server: LocalGitHub, fake_time: FakeTime) -> None:
    """Only a rate-limit 403 is retried; a refusal for lack of permission is raised at once."""
    number = github_server.open_issue(REPO, author=OWNER, title="t")
    github_server.add_token("mallory-token", "mallory")
    with (
        faked_client(github_server, fake_time, "mallory-token") as outsider,
        pytest.raises(GitHubAuthError) as caught,
    ):
        outsider.add_labels(REPO, number, "evo")
    assert caught.value.status == 403
    assert fake_time.sleeps == []
    assert _posts(github_server, f"/repos/{REPO}/issues/{number}/labels") == 1


def test_enterprise_base_url_with_a_path(start_server: ServerFactory) -> None:
    server = start_server(api_prefix="/api/v3")
    server.create_repo(REPO)
    with GitHubClient(server.api_url + "/", TOKEN) as client:
        assert client.default_branch(REPO) == "main"
        assert client.find_issue_by_marker(REPO, SIGNATURE) is None
    assert {x.path for x in server.exchanges()} == {f"/repos/{REPO}", "/search/issues"}


def test_missing_repository_is_not_found(client: GitHubClient) -> None:
    with pytest.raises(GitHubNotFoundError):
        client.default_branch("octo/nothing")


def test_no_answer_is_unavailable(fake_time: FakeTime) -> None:
    import socket

    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    with (
        GitHubClient(
            f"http://127.0.0.1:{port}",
            TOKEN,
            max_retries=1,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
        ) as client,
        pytest.raises(GitHubUnavailableError),
    ):
        client.default_branch(REPO)


def test_empty_token_is_refused_up_front() -> None:
    with pytest.raises(GitHubAuthError):
        GitHubClient("http://127.0.0.1:9", "")
