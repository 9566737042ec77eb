"""Pull requests (create, list, get, update, merge) and git refs read from the bare repository."""

from __future__ import annotations

from scenarios.github_server import repo_payloads
from scenarios.github_server.calls import Answer, Call, Handler, paginate
from scenarios.github_server.errors import ApiError, not_found, validation_failed
from scenarios.github_server.issues_api import edit_title_and_body
from scenarios.github_server.records import Issue, Repository, Role

_PULL = "/repos/{owner}/{repo}/pulls/{number:int}"


def _pull(call: Call) -> tuple[Repository, Issue]:
    repo = call.repo()
    issue = call.world.issue(repo, call.params["number"])
    if issue.pull is None:
        raise not_found()
    call.world.refresh_pull(repo, issue)
    return repo, issue


def list_pulls(call: Call) -> Answer:
    repo = call.repo()
    state = call.query.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed({"resource": "PullRequest", "field": "state", "code": "invalid"})
    head = call.query.get("head")
    base = call.query.get("base")
    found: list[Issue] = []
    for issue in sorted(repo.issues.values(), key=lambda item: item.number, reverse=True):
        pull = issue.pull
        if pull is None or state not in ("all", issue.state):
            continue
        if head is not None and head.lower() != f"{pull.head_owner}:{pull.head_ref}".lower():
            continue
        if base is not None and base != pull.base_ref:
            continue
        call.world.refresh_pull(repo, issue)
        found.append(issue)
    answer = paginate(call, found)
    answer.body = [
        repo_payloads.pull(call.urls, call.world, repo, i, simple=True) for i in answer.body
    ]
    return answer


def create_pull(call: Call) -> Answer:
    repo = call.repo()
    call.world.require(repo, call.user, Role.WRITE)
    head = call.field("head", str, required=True)
    base = call.field("base", str, required=True)
    title = call.field("title", str) or head
    issue = call.world.open_pull(
        repo, call.user, title, call.field("body", str), head, base, bool(call.field("draft", bool))
    )
    return Answer(201, repo_payloads.pull(call.urls, call.world, repo, issue))


def get_pull(call: Call) -> Answer:
    repo, issue = _pull(call)
    return Answer(200, repo_payloads.pull(call.urls, call.world, repo, issue))


def update_pull(call: Call) -> Answer:
    repo, issue = _pull(call)
    state = edit_title_and_body(call, repo, issue, "PullRequest", Role.WRITE)
    if state is not None:
        assert issue.pull is not None
        if state == "open" and issue.pull.merged:
            raise validation_failed(
                {"resource": "PullRequest", "code": "custom", "message": "merged pull"}
            )
        call.world.set_state(issue, state, call.user)
    issue.updated_at = call.world.clock()
    return Answer(200, repo_payloads.pull(call.urls, call.world, repo, issue))


def check_merged(call: Call) -> Answer:
    _, issue = _pull(call)
    assert issue.pull is not None
    return Answer(204) if issue.pull.merged else Answer(404)


def merge_pull(call: Call) -> Answer:
    repo, issue = _pull(call)
    call.world.require(repo, call.user, Role.WRITE)
    method = call.field("merge_method", str) or "merge"
    if method not in ("merge", "squash"):
        raise ApiError(405, f"Merge method {method} is not allowed on this repository")
    commit = call.world.merge_pull(
        repo,
        issue,
        call.user,
        sha=call.field("sha", str),
        title=call.field("commit_title", str),
        message=call.field("commit_message", str),
        method=method,
    )
    body = {"sha": commit, "merged": True, "message": "Pull Request successfully merged"}
    return Answer(200, body)


def get_ref(call: Call) -> Answer:
    repo = call.repo()
    name = f"refs/{call.params['ref']}"
    for ref, sha in repo.git.matching_refs(call.params["ref"]):
        if ref == name:
            return Answer(200, repo_payloads.git_ref(call.urls, repo, ref, sha))
    raise not_found()


def matching_refs(call: Call) -> Answer:
    repo = call.repo()
    found = repo.git.matching_refs(call.params["ref"])
    return Answer(200, [repo_payloads.git_ref(call.urls, repo, ref, sha) for ref, sha in found])


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/repos/{owner}/{repo}/pulls", list_pulls),
    ("POST", "/repos/{owner}/{repo}/pulls", create_pull),
    ("GET", _PULL, get_pull),
    ("PATCH", _PULL, update_pull),
    ("GET", _PULL + "/merge", check_merged),
    ("PUT", _PULL + "/merge", merge_pull),
    ("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}", get_ref),
    ("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref:path}", matching_refs),
]
