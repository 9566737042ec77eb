"""What one GitHub loop works on: the repository, its clone, its labels and its cooldown.

Everything the loop creates on GitHub is named from these settings (branch ``evo/issue-<n>``,
labels ``<label>:pr-open`` and so on), so a restarted loop finds its earlier work by name.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator

from evokernel.domain.models import Model
from evokernel.errors import ConfigError, problems

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_LABEL = "evo"
DEFAULT_COOLDOWN_S = 24 * 3600.0
BRANCH_PREFIX = "evo/issue-"


class GitHubLoopSettings(Model):
    """The repository a loop serves and how its work is named there."""

    repo: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    """``OWNER/NAME`` on GitHub."""
    clone_url: str | None = Field(default=None, min_length=1)
    """Where git fetches and pushes: an ``https://`` URL without credentials, or a path
    (``detect`` and ``run`` need it; ``status`` does not)."""
    workdir: Path = Path(".evokernel/github")
    """Where the local clone lives (``<workdir>/<owner>/<name>``)."""
    label: str = Field(default=DEFAULT_LABEL, min_length=1, max_length=40)
    """The intake label; the loop's own labels are derived from it (``evo:pr-open``, ...)."""
    cooldown_s: float = Field(default=DEFAULT_COOLDOWN_S, ge=0)
    """``detect`` opens no new issue for a signature whose issue closed less than this ago."""
    max_attempts: int | None = Field(default=None, ge=1)
    """Agent attempts per issue (default: the policy's ``max_attempts``)."""

    @field_validator("clone_url")
    @classmethod
    def _no_credentials(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise ValueError("the clone URL must not carry credentials; the token is separate")
        return url

    @classmethod
    def build(cls, **fields: object) -> GitHubLoopSettings:
        """Validate ``fields``; a bad value is a ``ConfigError`` (exit code 2 on the CLI).

        Raises:
            ConfigError: a field is missing or invalid (the message names it).
        """
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            found = "; ".join(problems(exc, root=""))
            raise ConfigError(f"GitHub loop settings: {found}", key="github") from exc

    @property
    def owner(self) -> str:
        """The repository owner."""
        return self.repo.split("/", 1)[0]

    @property
    def clone_dir(self) -> Path:
        """The local clone: validation worktrees and commits are made from it."""
        owner, name = self.repo.split("/", 1)
        return self.workdir / owner / name

    @property
    def cooldown(self) -> timedelta:
        """``cooldown_s`` as a duration."""
        return timedelta(seconds=self.cooldown_s)

    def branch_for(self, issue_number: int) -> str:
        """The deterministic branch of an issue: ``evo/issue-<number>``."""
        return f"{BRANCH_PREFIX}{issue_number}"

    # the loop's labels, derived from the intake label
    @property
    def pr_open_label(self) -> str:
        """On an issue whose fix waits in an open pull request."""
        return f"{self.label}:pr-open"

    @property
    def needs_human_label(self) -> str:
        """On an issue the loop could not fix."""
        return f"{self.label}:needs-human"

    @property
    def merged_label(self) -> str:
        """On an issue whose pull request was merged (approval recorded)."""
        return f"{self.label}:merged"

    @property
    def rejected_label(self) -> str:
        """On an issue whose pull request was closed unmerged (rejection recorded)."""
        return f"{self.label}:rejected"

    @property
    def settled_labels(self) -> frozenset[str]:
        """Labels that mean the loop is done with an issue until a person changes them."""
        return frozenset({self.pr_open_label, self.merged_label, self.rejected_label})
