"""A local GitHub-compatible server for tests and the GitHub-loop scenario.

Stateful REST API (repositories, issues, labels, comments, collaborators and permissions, git
refs, pull requests, issue search, rate limits, injectable failures) over a local bare git
repository that serves as the remote. Its traffic is checked against GitHub's OpenAPI
description by ``scenarios.github_server.conformance``.
"""

from __future__ import annotations

from scenarios.github_server.exchanges import Exchange
from scenarios.github_server.limits import Failure, FailureKind
from scenarios.github_server.records import Role
from scenarios.github_server.server import IssueSnapshot, LocalGitHub

__all__ = ["Exchange", "Failure", "FailureKind", "IssueSnapshot", "LocalGitHub", "Role"]
