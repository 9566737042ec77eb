"""The subset of GitHub's issue search syntax the loop needs.

Supported: ``repo:OWNER/NAME``, ``is:issue|pr|open|closed``, ``type:issue|pr``,
``state:open|closed``, ``label:NAME`` (repeatable, all must hold; quotes allowed), ``-label:NAME``,
``in:title|body|comments``, and free text: quoted phrases and bare words, each matched
case-insensitively as a substring of the chosen fields (title and body by default).
Unknown ``word:value`` tokens are text, as on GitHub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scenarios.github_server.records import Issue, Repository

_TOKEN = re.compile(r'(-?)([a-z]+):"([^"]*)"|(-?)([a-z]+):(\S+)|"([^"]*)"|(\S+)')
_QUALIFIERS = {"repo", "is", "type", "state", "label", "in"}


@dataclass
class IssueQuery:
    repos: list[str] = field(default_factory=list)
    kind: str | None = None
    state: str | None = None
    labels: list[str] = field(default_factory=list)
    without_labels: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
    terms: list[str] = field(default_factory=list)


def parse(q: str) -> IssueQuery:
    """Split ``q`` into qualifiers and text terms."""
    query = IssueQuery()
    for match in _TOKEN.finditer(q):
        key = (match.group(2) or match.group(5) or "").lower()
        value = match.group(3) if match.group(2) else match.group(6)
        negated = bool(match.group(1) or match.group(4))
        if key == "label" and negated and value is not None:
            query.without_labels.append(value.lower())
        elif key in _QUALIFIERS and value is not None and not negated:
            _qualify(query, key, value)
        else:
            query.terms.append(match.group(7) if match.group(7) is not None else match.group(0))
    return query


def _qualify(query: IssueQuery, key: str, value: str) -> None:
    value_l = value.lower()
    if key == "repo":
        query.repos.append(value_l)
    elif key in ("is", "type") and value_l in ("issue", "pr"):
        query.kind = value_l
    elif key in ("is", "state") and value_l in ("open", "closed"):
        query.state = value_l
    elif key == "label":
        query.labels.append(value_l)
    elif key == "in":
        query.fields.update(part for part in value_l.split(",") if part)


def matches(query: IssueQuery, repo: Repository, issue: Issue) -> bool:
    """True when ``issue`` of ``repo`` satisfies every part of ``query``."""
    if query.repos and repo.full_name.lower() not in query.repos:
        return False
    if query.kind == "issue" and issue.pull is not None:
        return False
    if query.kind == "pr" and issue.pull is None:
        return False
    if query.state is not None and issue.state != query.state:
        return False
    have = {label.name.lower() for label in issue.labels}
    if any(name not in have for name in query.labels):
        return False
    if any(name in have for name in query.without_labels):
        return False
    chosen = query.fields or {"title", "body"}
    texts: list[str] = []
    if "title" in chosen:
        texts.append(issue.title)
    if "body" in chosen:
        texts.append(issue.body or "")
    if "comments" in chosen:
        texts.extend(comment.body for comment in issue.comments)
    haystack = "\n".join(texts).lower()
    return all(term.lower() in haystack for term in query.terms)
