"""Repositories, collaborators and permissions, users."""

from __future__ import annotations

from scenarios.github_server import payloads, repo_payloads
from scenarios.github_server.calls import Answer, Call, Handler


def get_repo(call: Call) -> Answer:
    return Answer(200, repo_payloads.repository(call.urls, call.repo(), full=True))


def collaborator_permission(call: Call) -> Answer:
    repo = call.repo()
    who = call.world.known_user(call.params["username"])
    role = call.world.role(repo, who)
    body = {
        "permission": role.permission,
        "role_name": role.value,
        "user": payloads.collaborator(call.urls, who, role),
    }
    return Answer(200, body)


def check_collaborator(call: Call) -> Answer:
    repo = call.repo()
    login = call.params["username"].lower()
    if login == repo.owner.login.lower() or login in repo.collaborators:
        return Answer(204)
    return Answer(404)


def authenticated_user(call: Call) -> Answer:
    return Answer(200, payloads.public_user(call.urls, call.user, call.world.clock()))


def get_user(call: Call) -> Answer:
    who = call.world.known_user(call.params["username"])
    return Answer(200, payloads.public_user(call.urls, who, call.world.clock()))


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/repos/{owner}/{repo}", get_repo),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", collaborator_permission),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}", check_collaborator),
    ("GET", "/user", authenticated_user),
    ("GET", "/users/{username}", get_user),
]
