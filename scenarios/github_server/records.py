"""The records the server's world is made of: users, repositories, issues, pulls, events.

Plain mutable dataclasses; only ``World`` (state.py) changes them, under its lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scenarios.github_server.bare import BareRepository


class Role(StrEnum):
    """A collaborator's role; GitHub's ``role_name``."""

    ADMIN = "admin"
    MAINTAIN = "maintain"
    WRITE = "write"
    TRIAGE = "triage"
    READ = "read"
    NONE = "none"

    @property
    def permission(self) -> str:
        """The legacy ``permission`` field GitHub derives from the role."""
        return {"maintain": "write", "triage": "read"}.get(self.value, self.value)

    def at_least(self, other: Role) -> bool:
        """True when this role grants everything ``other`` grants."""
        return _RANK[self] >= _RANK[other]


_RANK = {Role.NONE: 0, Role.READ: 1, Role.TRIAGE: 2, Role.WRITE: 3, Role.MAINTAIN: 4, Role.ADMIN: 5}


@dataclass
class User:
    login: str
    id: int


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Comment:
    id: int
    user: User
    body: str
    created_at: float
    updated_at: float


@dataclass
class IssueEvent:
    """A ``labeled`` / ``unlabeled`` event: who changed which label, and when."""

    id: int
    event: str
    actor: User
    label: Label
    created_at: float


@dataclass
class Pull:
    """What a pull request adds to its issue."""

    id: int
    head_ref: str
    head_owner: str
    base_ref: str
    head_sha: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: float | None = None
    merged_by: User | None = None
    merge_commit_sha: str | None = None


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: User
    created_at: float
    updated_at: float
    state: str = "open"
    state_reason: str | None = None
    closed_at: float | None = None
    closed_by: User | None = None
    labels: list[Label] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    pull: Pull | None = None


@dataclass
class Repository:
    id: int
    owner: User
    name: str
    default_branch: str
    private: bool
    git: BareRepository
    created_at: float
    collaborators: dict[str, Role] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"
