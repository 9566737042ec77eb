"""JSON representations, shaped field by field after GitHub's OpenAPI schemas.

Each function names the schema it produces (``simple-user``, ``issue``, ``pull-request`` ...);
the conformance suite validates every response against that schema, so a field missing here is
a failing test, not a silent difference from GitHub.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scenarios.github_server.state import (
    Comment,
    Issue,
    IssueEvent,
    Label,
    Pull,
    Repository,
    Role,
    User,
    World,
)

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


def _node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


def user(urls: Urls, who: User) -> Json:
    """``simple-user``."""
    api = f"{urls.api}/users/{who.login}"
    return {
        "login": who.login,
        "id": who.id,
        "node_id": _node_id("User", who.id),
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


def repository(urls: Urls, repo: Repository, full: bool = False) -> Json:
    """``repository`` (inside pull heads) or ``full-repository`` (GET /repos/{o}/{r})."""
    api = f"{urls.api}/repos/{repo.full_name}"
    stamp = iso(repo.created_at)
    open_issues = sum(1 for issue in repo.issues.values() if issue.state == "open")
    out: Json = {
        "id": repo.id,
        "node_id": _node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user(urls, repo.owner),
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "html_url": f"{urls.web}/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": api,
        "clone_url": str(repo.git.path),
        "git_url": str(repo.git.path),
        "ssh_url": str(repo.git.path),
        "svn_url": f"{urls.web}/{repo.full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "license": None,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "pushed_at": stamp,
        "created_at": stamp,
        "updated_at": stamp,
        "allow_forking": True,
        "web_commit_signoff_required": False,
    }
    for name, suffix in _REPO_LINKS.items():
        out[name] = f"{api}{suffix}"
    if full:
        out.update(subscribers_count=0, network_count=0)
    return out


_REPO_LINKS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def label(urls: Urls, repo: Repository, item: Label) -> Json:
    """``label``."""
    return {
        "id": item.id,
        "node_id": _node_id("Label", item.id),
        "url": f"{urls.api}/repos/{repo.full_name}/labels/{item.name}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": False,
    }


def _association(world: World, repo: Repository, who: User) -> str:
    if who.login.lower() == repo.owner.login.lower():
        return "OWNER"
    return "COLLABORATOR" if who.login.lower() in repo.collaborators else "NONE"


def issue(urls: Urls, world: World, repo: Repository, item: Issue) -> Json:
    """``issue``; a pull request's issue carries the ``pull_request`` link object."""
    api = f"{urls.api}/repos/{repo.full_name}/issues/{item.number}"
    out: Json = {
        "id": item.id,
        "node_id": _node_id("Issue", item.id),
        "url": api,
        "repository_url": f"{urls.api}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{item.number}",
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
        "author_association": _association(world, repo, item.user),
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
        "node_id": _node_id("IssueComment", note.id),
        "url": f"{api}/issues/comments/{note.id}",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{item.number}#issuecomment-{note.id}",
        "body": note.body,
        "user": user(urls, note.user),
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "issue_url": f"{api}/issues/{item.number}",
        "author_association": _association(world, repo, note.user),
    }


def event(urls: Urls, repo: Repository, item: Issue, happened: IssueEvent) -> Json:
    """``labeled-issue-event`` / ``unlabeled-issue-event``."""
    return {
        "id": happened.id,
        "node_id": _node_id("LabeledEvent", happened.id),
        "url": f"{urls.api}/repos/{repo.full_name}/issues/events/{happened.id}",
        "actor": user(urls, happened.actor),
        "event": happened.event,
        "commit_id": None,
        "commit_url": None,
        "created_at": iso(happened.created_at),
        "performed_via_github_app": None,
        "label": {"name": happened.label.name, "color": happened.label.color},
    }


def git_ref(urls: Urls, repo: Repository, name: str, sha: str) -> Json:
    """``git-ref``."""
    api = f"{urls.api}/repos/{repo.full_name}/git"
    return {
        "ref": name,
        "node_id": _node_id("Ref", zlib.crc32(f"{repo.full_name}:{name}".encode())),
        "url": f"{api}/{name}",
        "object": {"type": "commit", "sha": sha, "url": f"{api}/commits/{sha}"},
    }


def pull(urls: Urls, world: World, repo: Repository, item: Issue, simple: bool = False) -> Json:
    """``pull-request`` or, in lists, ``pull-request-simple``."""
    assert item.pull is not None
    data: Pull = item.pull
    api = f"{urls.api}/repos/{repo.full_name}"
    this = f"{api}/pulls/{item.number}"
    web = f"{urls.web}/{repo.full_name}/pull/{item.number}"
    owner = user(urls, repo.owner)
    links = {
        "self": this,
        "html": web,
        "issue": f"{api}/issues/{item.number}",
        "comments": f"{api}/issues/{item.number}/comments",
        "review_comments": f"{this}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{this}/commits",
        "statuses": f"{api}/statuses/{data.head_sha}",
    }
    out: Json = {
        "url": this,
        "id": data.id,
        "node_id": _node_id("PullRequest", data.id),
        "html_url": web,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "issue_url": links["issue"],
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": item.number,
        "state": item.state,
        "locked": False,
        "title": item.title,
        "user": user(urls, item.user),
        "body": item.body,
        "labels": [label(urls, repo, each) for each in item.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at),
        "merged_at": iso(data.merged_at),
        "merge_commit_sha": data.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(urls, repo, owner, data.head_owner, data.head_ref, data.head_sha),
        "base": _branch(urls, repo, owner, repo.owner.login, data.base_ref, data.base_sha),
        "_links": {name: {"href": href} for name, href in links.items()},
        "author_association": _association(world, repo, item.user),
        "auto_merge": None,
        "draft": data.draft,
    }
    if not simple:
        mergeable = None if data.merged or item.state == "closed" else True
        out.update(
            merged=data.merged,
            mergeable=mergeable,
            rebaseable=mergeable,
            mergeable_state="clean" if mergeable else "unknown",
            merged_by=user(urls, data.merged_by) if data.merged_by else None,
            comments=len(item.comments),
            review_comments=0,
            maintainer_can_modify=False,
            commits=_commit_count(repo, data),
            additions=0,
            deletions=0,
            changed_files=0,
        )
    return out


def _commit_count(repo: Repository, data: Pull) -> int:
    # a merged pull keeps the base it was merged into, so the count stays what it was
    return repo.git.commits_between(data.base_sha, data.head_sha)


def _branch(urls: Urls, repo: Repository, owner: Json, login: str, ref: str, sha: str) -> Json:
    return {
        "label": f"{login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": owner,
        "repo": repository(urls, repo),
    }


def rate_limit(core: Json, search: Json) -> Json:
    """``rate-limit-overview``."""
    return {"resources": {"core": core, "search": search}, "rate": core}
