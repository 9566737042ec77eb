"""Issues, labels, comments, issue events and issue search."""

from __future__ import annotations

from typing import Any

from scenarios.github_server import payloads, search
from scenarios.github_server.calls import Answer, Call, Handler, page_slice, paginate
from scenarios.github_server.errors import ApiError, validation_failed
from scenarios.github_server.records import Issue, Repository, Role

_ISSUE = "/repos/{owner}/{repo}/issues/{number:int}"


def _issue(call: Call) -> tuple[Repository, Issue]:
    repo = call.repo()
    return repo, call.world.issue(repo, call.params["number"])


def edit_title_and_body(
    call: Call,
    repo: Repository,
    issue: Issue,
    resource: str,
    role: Role,
    title_kind: type | tuple[type, ...] = str,
) -> str | None:
    """The edit an issue and a pull request share: someone other than the author needs
    ``role``; ``title`` and ``body`` are set; the asked ``state`` is checked and returned."""
    if issue.user.id != call.user.id:
        call.world.require(repo, call.user, role)
    title, body = call.field("title", title_kind), call.field("body", str)
    state: str | None = call.field("state", str)
    if state not in (None, "open", "closed"):
        raise validation_failed({"resource": resource, "field": "state", "code": "invalid"})
    if title is not None:
        issue.title = str(title)
    if body is not None:
        issue.body = body
    return state


def _label_names(raw: Any) -> list[str]:
    """Every body shape GitHub accepts for labels: names or ``{name}`` objects, bare or wrapped."""
    if isinstance(raw, dict):
        raw = raw.get("labels")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise validation_failed({"field": "labels", "code": "invalid"})
    names = [item["name"] if isinstance(item, dict) else item for item in raw]
    if not all(isinstance(name, str) and name for name in names):
        raise validation_failed({"field": "labels", "code": "invalid"})
    return names


def list_issues(call: Call) -> Answer:
    repo = call.repo()
    state = call.query.get("state", "open")
    wanted = {name.lower() for name in call.query.get("labels", "").split(",") if name}
    found = [
        issue
        for issue in repo.issues.values()
        if state in ("all", issue.state) and wanted <= {x.name.lower() for x in issue.labels}
    ]
    found.sort(key=lambda issue: issue.number, reverse=call.query.get("direction") != "asc")
    answer = paginate(call, found)
    answer.body = [payloads.issue(call.urls, call.world, repo, issue) for issue in answer.body]
    return answer


def create_issue(call: Call) -> Answer:
    repo = call.repo()
    title = call.field("title", (str, int), required=True)
    labels = _label_names(call.body.get("labels") or [])
    # GitHub silently drops labels set by someone who may not triage
    if not call.world.role(repo, call.user).at_least(Role.TRIAGE):
        labels = []
    issue = call.world.open_issue(repo, call.user, str(title), call.field("body", str), labels)
    return Answer(201, payloads.issue(call.urls, call.world, repo, issue))


def get_issue(call: Call) -> Answer:
    repo, issue = _issue(call)
    return Answer(200, payloads.issue(call.urls, call.world, repo, issue))


def update_issue(call: Call) -> Answer:
    repo, issue = _issue(call)
    state = edit_title_and_body(call, repo, issue, "Issue", Role.TRIAGE, (str, int))
    if isinstance(call.body, dict) and "labels" in call.body:
        names = _label_names(call.body["labels"] or [])
        wanted = {name.lower() for name in names}
        for have in list(issue.labels):
            if have.name.lower() not in wanted:
                call.world.remove_label(repo, issue, have.name, call.user)
        call.world.add_labels(repo, issue, names, call.user)
    if state is not None:
        call.world.set_state(issue, state, call.user, call.field("state_reason", str))
    issue.updated_at = call.world.clock()
    return Answer(200, payloads.issue(call.urls, call.world, repo, issue))


def list_events(call: Call) -> Answer:
    repo, issue = _issue(call)
    answer = paginate(call, issue.events)
    answer.body = [payloads.event(call.urls, repo, issue, happened) for happened in answer.body]
    return answer


def list_comments(call: Call) -> Answer:
    repo, issue = _issue(call)
    answer = paginate(call, issue.comments)
    answer.body = [payloads.comment(call.urls, call.world, repo, issue, c) for c in answer.body]
    return answer


def create_comment(call: Call) -> Answer:
    repo, issue = _issue(call)
    body = call.field("body", str, required=True)
    note = call.world.create_comment(issue, call.user, body)
    return Answer(201, payloads.comment(call.urls, call.world, repo, issue, note))


def _issue_labels(call: Call, repo: Repository, issue: Issue) -> Answer:
    return Answer(200, [payloads.label(call.urls, repo, label) for label in issue.labels])


def list_issue_labels(call: Call) -> Answer:
    repo, issue = _issue(call)
    return _issue_labels(call, repo, issue)


def add_issue_labels(call: Call) -> Answer:
    repo, issue = _issue(call)
    call.world.require(repo, call.user, Role.TRIAGE)
    call.world.add_labels(repo, issue, _label_names(call.body), call.user)
    return _issue_labels(call, repo, issue)


def remove_issue_label(call: Call) -> Answer:
    repo, issue = _issue(call)
    call.world.require(repo, call.user, Role.TRIAGE)
    call.world.remove_label(repo, issue, call.params["name"], call.user)
    return _issue_labels(call, repo, issue)


def list_labels(call: Call) -> Answer:
    repo = call.repo()
    answer = paginate(call, sorted(repo.labels.values(), key=lambda label: label.name.lower()))
    answer.body = [payloads.label(call.urls, repo, label) for label in answer.body]
    return answer


def get_label(call: Call) -> Answer:
    repo = call.repo()
    return Answer(200, payloads.label(call.urls, repo, call.world.label(repo, call.params["name"])))


def create_label(call: Call) -> Answer:
    repo = call.repo()
    call.world.require(repo, call.user, Role.WRITE)
    name = call.field("name", str, required=True)
    color = call.field("color", str) or "ededed"
    label = call.world.create_label(repo, name, color.lstrip("#"), call.field("description", str))
    return Answer(201, payloads.label(call.urls, repo, label))


def search_issues(call: Call) -> Answer:
    q = call.query.get("q")
    if not q:
        raise validation_failed({"resource": "Search", "field": "q", "code": "missing"})
    query = search.parse(q)
    hits: list[tuple[Repository, Issue]] = []
    indexed_until = call.world.clock() - call.world.search_delay
    for repo in call.world.repos.values():
        try:
            call.world.repo(repo.full_name, viewer=call.user)
        except ApiError:
            continue
        hits += [
            (repo, issue)
            for issue in repo.issues.values()
            if issue.created_at <= indexed_until and search.matches(query, repo, issue)
        ]
    ascending = call.query.get("order") == "asc"
    key = call.query.get("sort") or "created"
    if key not in ("created", "updated", "comments"):
        raise validation_failed({"resource": "Search", "field": "sort", "code": "invalid"})
    hits.sort(key=lambda hit: _sort_key(hit[1], key), reverse=not ascending)
    chunk, headers = page_slice(call, hits)
    items = [payloads.search_item(call.urls, call.world, repo, issue) for repo, issue in chunk]
    body = {
        "total_count": len(hits),
        "incomplete_results": False,
        "items": items,
        "search_type": "lexical",
    }
    return Answer(200, body, headers)


def _sort_key(issue: Issue, key: str) -> tuple[float, int]:
    if key == "updated":
        return (issue.updated_at, issue.number)
    if key == "comments":
        return (float(len(issue.comments)), issue.number)
    return (issue.created_at, issue.number)


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/repos/{owner}/{repo}/issues", list_issues),
    ("POST", "/repos/{owner}/{repo}/issues", create_issue),
    ("GET", _ISSUE, get_issue),
    ("PATCH", _ISSUE, update_issue),
    ("GET", _ISSUE + "/events", list_events),
    ("GET", _ISSUE + "/comments", list_comments),
    ("POST", _ISSUE + "/comments", create_comment),
    ("GET", _ISSUE + "/labels", list_issue_labels),
    ("POST", _ISSUE + "/labels", add_issue_labels),
    ("DELETE", _ISSUE + "/labels/{name:path}", remove_issue_label),
    ("GET", "/repos/{owner}/{repo}/labels", list_labels),
    ("POST", "/repos/{owner}/{repo}/labels", create_label),
    ("GET", "/repos/{owner}/{repo}/labels/{name:path}", get_label),
    ("GET", "/search/issues", search_issues),
]
