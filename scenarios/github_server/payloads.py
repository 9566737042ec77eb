"""JSON representations, shaped field by field after GitHub's OpenAPI schemas.

Each function names the schema it produces (``simple-user``, ``issue``, ``pull-request`` ...);
the conformance suite validates every response against that schema, so a field missing here is
a failing test, not a silent difference from GitHub.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scenarios.github_server.records import (
    Comment,
    Issue,
    IssueEvent,
    Label,
    Repository,
    Role,
    User,
)
from scenarios.github_server.state import World

Json = dict[str, Any]


@dataclass(frozen=True)
class Urls:
    """Where the API and the web pages of this server live."""

    api: str
    web: str


def iso(ts: float | None) -> str | None:
    """GitHub's timestamp form: ``2024-01-31T12:00:00Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


def user(urls: Urls, who: User) -> Json:
    """``simple-user``."""
    api = f"{urls.api}/users/{who.login}"
    return {
        "login": who.login,
        "id": who.id,
        "node_id": node_id("User", who.id),
        "avatar_url": f"{urls.web}/avatars/{who.login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{who.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "User",
        "site_admin": False,
        "user_view_type": "public",
    }


def public_user(urls: Urls, who: User, created_at: float) -> Json:
    """``public-user`` (GET /user, GET /users/{username})."""
    stamp = iso(created_at)
    return {
        **user(urls, who),
        "name": who.login,
        "company": None,
        "blog": None,
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


def collaborator(urls: Urls, who: User, role: Role) -> Json:
    """``collaborator`` with its ``permissions`` booleans and ``role_name``."""
    return {
        **user(urls, who),
        "permissions": {
            "pull": role.at_least(Role.READ),
            "triage": role.at_least(Role.TRIAGE),
            "push": role.at_least(Role.WRITE),
            "maintain": role.at_least(Role.MAINTAIN),
            "admin": role.at_least(Role.ADMIN),
        },
        "role_name": role.value,
    }


def label(urls: Urls, repo: Repository, item: Label) -> Json:
    """``label``."""
    return {
        "id": item.id,
        "node_id": node_id("Label", item.id),
        "url": f"{urls.api}/repos/{repo.full_name}/labels/{item.name}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": False,
    }


def association(world: World, repo: Repository, who: User) -> str:
    if who.login.lower() == repo.owner.login.lower():
        return "OWNER"
    return "COLLABORATOR" if who.login.lower() in repo.collaborators else "NONE"


def issue(urls: Urls, world: World, repo: Repository, item: Issue) -> Json:
    """``issue``; a pull request's issue carries the ``pull_request`` link object."""
    api = f"{urls.api}/repos/{repo.full_name}/issues/{item.number}"
    page = "issues" if item.pull is None else "pull"
    out: Json = {
        "id": item.id,
        "node_id": node_id("Issue", item.id),
        "url": api,
        "repository_url": f"{urls.api}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{urls.web}/{repo.full_name}/{page}/{item.number}",
        "number": item.number,
        "state": item.state,
        "title": item.title,
        "body": item.body,
        "user": user(urls, item.user),
        "labels": [label(urls, repo, each) for each in item.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": len(item.comments),
        "closed_at": iso(item.closed_at),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "closed_by": user(urls, item.closed_by) if item.closed_by else None,
        "author_association": association(world, repo, item.user),
    }
    # GitHub sends null for an open issue, but the description's enum (OpenAPI 3.0.3) has no
    # null in it; leaving the optional field out is what conforms
    if item.state_reason is not None:
        out["state_reason"] = item.state_reason
    if item.pull is not None:
        pulls = f"{urls.api}/repos/{repo.full_name}/pulls/{item.number}"
        web = f"{urls.web}/{repo.full_name}/pull/{item.number}"
        out["pull_request"] = {
            "url": pulls,
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "merged_at": iso(item.pull.merged_at),
        }
    return out


def search_item(urls: Urls, world: World, repo: Repository, item: Issue) -> Json:
    """``issue-search-result-item``."""
    return {**issue(urls, world, repo, item), "score": 1.0}


def comment(urls: Urls, world: World, repo: Repository, item: Issue, note: Comment) -> Json:
    """``issue-comment``."""
    api = f"{urls.api}/repos/{repo.full_name}"
    return {
        "id": note.id,
        "node_id": node_id("IssueComment", note.id),
        "url": f"{api}/issues/comments/{note.id}",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{item.number}#issuecomment-{note.id}",
        "body": note.body,
        "user": user(urls, note.user),
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "issue_url": f"{api}/issues/{item.number}",
        "author_association": association(world, repo, note.user),
    }


def event(urls: Urls, repo: Repository, item: Issue, happened: IssueEvent) -> Json:
    """``labeled-issue-event`` / ``unlabeled-issue-event``."""
    return {
        "id": happened.id,
        "node_id": node_id("LabeledEvent", happened.id),
        "url": f"{urls.api}/repos/{repo.full_name}/issues/events/{happened.id}",
        "actor": user(urls, happened.actor),
        "event": happened.event,
        "commit_id": None,
        "commit_url": None,
        "created_at": iso(happened.created_at),
        "performed_via_github_app": None,
        "label": {"name": happened.label.name, "color": happened.label.color},
    }


def rate_limit(core: Json, search: Json) -> Json:
    """``rate-limit-overview``."""
    return {"resources": {"core": core, "search": search}, "rate": core}
