"""JSON for the git side: ``repository`` / ``full-repository``, ``git-ref``, ``pull-request``.

Shaped field by field after GitHub's OpenAPI schemas, like payloads.py; split from it because
the repository and pull request schemas are by far the largest.
"""

from __future__ import annotations

import zlib

from scenarios.github_server.payloads import Json, Urls, association, iso, label, node_id, user
from scenarios.github_server.records import Issue, Pull, Repository
from scenarios.github_server.state import World


def repository(urls: Urls, repo: Repository, full: bool = False) -> Json:
    """``repository`` (inside pull heads) or ``full-repository`` (GET /repos/{o}/{r})."""
    api = f"{urls.api}/repos/{repo.full_name}"
    stamp = iso(repo.created_at)
    open_issues = sum(1 for issue in repo.issues.values() if issue.state == "open")
    out: Json = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
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


def git_ref(urls: Urls, repo: Repository, name: str, sha: str) -> Json:
    """``git-ref``."""
    api = f"{urls.api}/repos/{repo.full_name}/git"
    return {
        "ref": name,
        "node_id": node_id("Ref", zlib.crc32(f"{repo.full_name}:{name}".encode())),
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
        "node_id": node_id("PullRequest", data.id),
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
        "author_association": association(world, repo, item.user),
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
