"""The local GitHub server, driven by PyGithub and by plain HTTP, as GitHub would be."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from github import Auth, Github, GithubException

from scenarios.github_server import FailureKind, LocalGitHub, Role
from tests.github.conftest import OWNER, REPO, TOKEN, FakeTime, ServerFactory


def _github(server: LocalGitHub, token: str = TOKEN) -> Github:
    return Github(
        base_url=server.api_url,
        auth=Auth.Token(token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def _git(bare: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=bare, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_start_binds_an_ephemeral_loopback_port_and_stop_releases_it(
    start_server: ServerFactory,
) -> None:
    server = start_server()
    assert server.api_url.startswith("http://127.0.0.1:")
    assert (
        httpx.get(
            server.api_url + "/rate_limit", headers={"Authorization": f"token {TOKEN}"}
        ).status_code
        == 200
    )
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.api_url + "/rate_limit", timeout=2)


def test_unknown_or_missing_token_is_answered_401(github_server: LocalGitHub) -> None:
    url = f"{github_server.api_url}/repos/{REPO}"
    assert httpx.get(url, headers={"Authorization": "token wrong"}).status_code == 401
    answer = httpx.get(url)
    assert answer.status_code == 401
    assert answer.json()["message"] == "Bad credentials"
    assert httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_every_response_carries_rate_limit_headers(github_server: LocalGitHub) -> None:
    headers = {"Authorization": f"token {TOKEN}"}
    for path in (f"/repos/{REPO}", f"/repos/{REPO}/issues/99", "/repos/octo/nope", "/rate_limit"):
        httpx.get(github_server.api_url + path, headers=headers)
    httpx.get(github_server.api_url + f"/repos/{REPO}")
    for exchange in github_server.exchanges():
        for name in ("limit", "remaining", "reset", "used", "resource"):
            assert exchange.header(f"x-ratelimit-{name}") is not None, (exchange.path, name)


def test_core_requests_are_counted_and_reported_by_rate_limit(github_server: LocalGitHub) -> None:
    headers = {"Authorization": f"token {TOKEN}"}
    for _ in range(3):
        httpx.get(f"{github_server.api_url}/repos/{REPO}", headers=headers)
    core = _github(github_server).get_rate_limit().resources.core
    assert (core.limit, core.remaining, core.used) == (5000, 4997, 3)


def test_issue_lifecycle_labels_events_and_comments(github_server: LocalGitHub) -> None:
    github_server.add_collaborator(REPO, "alice", Role.WRITE)
    repo = _github(github_server).get_repo(REPO)
    issue = repo.create_issue("Cart total is wrong", body="details", labels=["bug"])
    github_server.add_label(REPO, issue.number, "evo", actor="alice")
    issue.create_comment("looking")
    issue.edit(state="closed")
    again = repo.get_issue(issue.number)
    assert (again.state, again.comments, [x.name for x in again.labels]) == (
        "closed",
        1,
        ["bug", "evo"],
    )
    events = [(e.event, e.actor.login, e.label.name) for e in again.get_events()]
    assert events == [("labeled", OWNER, "bug"), ("labeled", "alice", "evo")]
    assert [c.body for c in again.get_comments()] == ["looking"]


def test_labels_from_an_outsider_at_creation_are_dropped(github_server: LocalGitHub) -> None:
    github_server.add_token("mallory-token", "mallory")
    repo = _github(github_server, "mallory-token").get_repo(REPO)
    issue = repo.create_issue("please run", body="x", labels=["evo"])
    assert issue.labels == []
    # the object form: PyGithub's add_to_labels sends a bare list, which the description rejects
    answer = httpx.post(
        f"{github_server.api_url}/repos/{REPO}/issues/{issue.number}/labels",
        json={"labels": ["evo"]},
        headers={"Authorization": "token mallory-token"},
    )
    assert answer.status_code == 403
    assert github_server.issues(REPO)[0].labels == ()


def test_collaborator_permission_for_roles_outsiders_and_unknown_users(
    github_server: LocalGitHub,
) -> None:
    github_server.add_collaborator(REPO, "alice", Role.MAINTAIN)
    github_server.add_collaborator(REPO, "trish", Role.TRIAGE)
    github_server.add_token("mallory-token", "mallory")
    repo = _github(github_server).get_repo(REPO)
    assert repo.get_collaborator_permission(OWNER) == "admin"
    assert repo.get_collaborator_permission("alice") == "write"
    assert repo.get_collaborator_permission("trish") == "read"
    assert repo.get_collaborator_permission("mallory") == "read"
    with pytest.raises(GithubException) as caught:
        repo.get_collaborator_permission("ghost")
    assert caught.value.status == 404


def test_private_repository_is_hidden_from_outsiders(github_server: LocalGitHub) -> None:
    github_server.create_repo("octo/secret", private=True)
    github_server.add_token("mallory-token", "mallory")
    with pytest.raises(GithubException) as caught:
        _ = _github(github_server, "mallory-token").get_repo("octo/secret").default_branch
    assert caught.value.status == 404
    assert _github(github_server).get_repo("octo/secret").private is True


def test_lists_are_paginated_with_link_headers(github_server: LocalGitHub) -> None:
    for n in range(7):
        github_server.open_issue(REPO, author=OWNER, title=f"issue {n}")
    gh = Github(base_url=github_server.api_url, auth=Auth.Token(TOKEN), per_page=3, retry=None)
    numbers = [issue.number for issue in gh.get_repo(REPO).get_issues(state="all")]
    assert numbers == [7, 6, 5, 4, 3, 2, 1]
    pages = [x for x in github_server.exchanges() if x.path == f"/repos/{REPO}/issues"]
    assert len(pages) == 3
    assert 'rel="next"' in (pages[0].header("link") or "")


def test_search_finds_marker_text_with_qualifiers(github_server: LocalGitHub) -> None:
    github_server.create_repo("octo/other")
    marker = "<!-- evokernel:signature=abc -->"
    first = github_server.open_issue(
        REPO, author=OWNER, title="a", body=f"x {marker}", labels=["evo"]
    )
    github_server.open_issue(REPO, author=OWNER, title="b", body="no marker")
    github_server.open_issue("octo/other", author=OWNER, title="c", body=marker)
    closed = github_server.open_issue(REPO, author=OWNER, title="d", body=marker)
    github_server.close_issue(REPO, closed, actor=OWNER)
    gh = _github(github_server)

    def search(q: str) -> list[int]:
        return sorted(item.number for item in gh.search_issues(q))

    text = '"evokernel:signature=abc"'
    assert search(f"repo:{REPO} is:issue is:open {text} in:body") == [first]
    assert search(f"repo:{REPO} is:issue is:closed {text} in:body") == [closed]
    assert search(f"repo:{REPO} {text} in:title") == []
    assert search(f"repo:{REPO} label:evo {text}") == [first]
    assert search(f"repo:{REPO} -label:evo {text}") == [closed]
    assert len(search(f"{text} in:body")) == 3


def test_pull_request_flow_merges_for_real_in_the_bare_repository(
    github_server: LocalGitHub, seeded: Path
) -> None:
    bare = github_server.clone_url(REPO)
    issue = github_server.open_issue(REPO, author=OWNER, title="total broken")
    repo = _github(github_server).get_repo(REPO)
    head = _git(bare, "rev-parse", "refs/heads/evo/issue-1")
    pull = repo.create_pull(base="main", head="evo/issue-1", title="Fix", body=f"Closes #{issue}")
    assert (pull.head.sha, pull.merged, pull.mergeable) == (head, False, True)
    assert [p.number for p in repo.get_pulls(state="all", head=f"{OWNER}:evo/issue-1")] == [
        pull.number
    ]
    assert list(repo.get_pulls(state="all", head=f"{OWNER}:evo/issue-9")) == []

    github_server.add_collaborator(REPO, "alice", Role.WRITE)
    merge_sha = github_server.merge_pull(REPO, pull.number, actor="alice")

    # the default branch moved to a real two-parent merge commit holding the fix
    assert _git(bare, "rev-parse", "refs/heads/main") == merge_sha
    assert len(_git(bare, "rev-list", "--parents", "-n1", merge_sha).split()) == 3
    assert "sum(xs) + 0" in _git(bare, "show", "main:cart.py")
    merged = repo.get_pull(pull.number)
    assert (merged.merged, merged.merged_by.login, merged.state) == (True, "alice", "closed")
    assert merged.merge_commit_sha == merge_sha
    assert repo.get_issue(issue).state == "closed"  # "Closes #N" closed it


def test_merge_through_the_api_and_close_without_merge(
    github_server: LocalGitHub, seeded: Path
) -> None:
    repo = _github(github_server).get_repo(REPO)
    pull = repo.create_pull(base="main", head="evo/issue-1", title="Fix", body="")
    status = pull.merge(merge_method="merge")
    assert status.merged is True
    assert pull.is_merged() is True
    with pytest.raises(GithubException) as caught:
        pull.merge()
    assert caught.value.status == 405


def test_duplicate_and_empty_pull_requests_are_refused(
    github_server: LocalGitHub, seeded: Path
) -> None:
    repo = _github(github_server).get_repo(REPO)
    first = repo.create_pull(base="main", head="evo/issue-1", title="Fix", body="")
    with pytest.raises(GithubException) as caught:
        repo.create_pull(base="main", head="evo/issue-1", title="Fix again", body="")
    assert caught.value.status == 422
    assert "already exists" in str(caught.value.data)
    first.edit(state="closed")
    assert repo.get_pull(first.number).merged is False
    with pytest.raises(GithubException) as caught:
        repo.create_pull(base="main", head="main", title="nothing", body="")
    assert caught.value.status == 422


def test_refs_come_from_the_bare_repository(github_server: LocalGitHub, seeded: Path) -> None:
    bare = github_server.clone_url(REPO)
    repo = _github(github_server).get_repo(REPO)
    refs = {ref.ref: ref.object.sha for ref in repo.get_git_matching_refs("heads/evo/")}
    assert refs == {"refs/heads/evo/issue-1": _git(bare, "rev-parse", "evo/issue-1")}
    assert list(repo.get_git_matching_refs("heads/nope")) == []


def test_single_ref_with_an_encoded_slash(github_server: LocalGitHub, seeded: Path) -> None:
    """``git/ref/{ref}`` as the description admits it: the slash of ``heads/x`` encoded."""
    headers = {"Authorization": f"token {TOKEN}"}
    base = f"{github_server.api_url}/repos/{REPO}/git/ref/"
    found = httpx.get(base + "heads%2Fevo%2Fissue-1", headers=headers)
    assert found.status_code == 200
    assert found.json()["ref"] == "refs/heads/evo/issue-1"
    expected = _git(github_server.clone_url(REPO), "rev-parse", "evo/issue-1")
    assert found.json()["object"]["sha"] == expected
    assert httpx.get(base + "heads%2Fevo", headers=headers).status_code == 404


def test_injected_failures_are_served_once_each_then_normal_answers(
    github_server: LocalGitHub,
) -> None:
    github_server.inject(
        FailureKind.SECONDARY_RATE_LIMIT, method="GET", path="/repos/*", retry_after=9
    )
    github_server.inject(FailureKind.TOO_MANY_REQUESTS, path="/repos/*", retry_after=4)
    github_server.inject(FailureKind.SERVER_ERROR, path="/repos/*")
    github_server.inject(FailureKind.PRIMARY_RATE_LIMIT, path="/repos/*", reset_at=1_900_000_000)
    url = f"{github_server.api_url}/repos/{REPO}"
    headers = {"Authorization": f"token {TOKEN}"}
    answers = [httpx.get(url, headers=headers) for _ in range(5)]
    assert [a.status_code for a in answers] == [403, 429, 500, 403, 200]
    assert answers[0].headers["retry-after"] == "9"
    assert "secondary rate limit" in answers[0].json()["message"]
    assert answers[1].headers["retry-after"] == "4"
    assert answers[3].headers["x-ratelimit-remaining"] == "0"
    assert answers[3].headers["x-ratelimit-reset"] == "1900000000"
    assert answers[3].json()["message"].startswith("API rate limit exceeded")
    assert github_server.failures.pending() == 0


def test_spent_quota_is_refused_until_the_window_resets(
    start_server: ServerFactory, fake_time: FakeTime
) -> None:
    server = start_server(core_limit=2, clock=fake_time.clock)
    server.create_repo(REPO)
    url = f"{server.api_url}/repos/{REPO}"
    headers = {"Authorization": f"token {TOKEN}"}
    assert [httpx.get(url, headers=headers).status_code for _ in range(3)] == [200, 200, 403]
    fake_time.sleep(3601)
    assert httpx.get(url, headers=headers).status_code == 200


def test_enterprise_style_prefix(start_server: ServerFactory) -> None:
    server = start_server(api_prefix="/api/v3")
    server.create_repo(REPO)
    assert server.api_url.endswith("/api/v3")
    assert _github(server).get_repo(REPO).default_branch == "main"
    assert server.exchanges()[-1].path == f"/repos/{REPO}"
