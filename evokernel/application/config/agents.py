"""Configuration of the agent adapters (the ``[agents]`` table of the project configuration).

Only names of environment variables live here, never their values: an adapter reads the
values it was told about once, when it is constructed, from the mapping it is handed.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from evokernel.domain.models import Model

_SECRET_LOOKING = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

DEFAULT_AGENT_ENV = ["HOME", "LANG", "LC_ALL", "LC_CTYPE", "PATH", "TERM", "TMPDIR", "TZ", "USER"]
"""Host variables a command agent sees by default: enough to find programs and a home."""

DEFAULT_EXCLUDES = ["**/__pycache__/**", "**/*.pyc", ".pytest_cache/**", ".mypy_cache/**"]
"""Untracked files a command agent leaves behind that never belong in a proposal."""


def _check_names(names: list[str]) -> list[str]:
    for name in names:
        if not _ENV_NAME.match(name):
            raise ValueError(f"not an environment variable name: {name!r}")
    return names


class CommandAgentConfig(Model):
    """How ``cmd:COMMAND`` agents are run."""

    timeout_s: float = Field(default=900.0, gt=0)
    """Wall-clock limit for one agent run; on expiry the whole process group is killed."""
    kill_grace_s: float = Field(default=5.0, ge=0)
    """Time between SIGTERM and SIGKILL when the limit is reached."""
    output_cap_bytes: int = Field(default=1_000_000, ge=1024)
    """Per-stream cap on captured stdout/stderr; head and tail are kept."""
    env: list[str] = Field(default_factory=lambda: list(DEFAULT_AGENT_ENV))
    """Host variables passed through when set. Secret-looking names belong in ``secret_env``."""
    secret_env: list[str] = Field(default_factory=list)
    """The agent's own credentials (e.g. ``ANTHROPIC_API_KEY``), passed only because named here.

    They reach the agent process only; nothing EvoKernel runs in a sandbox ever sees them."""
    exclude_untracked: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    """Glob pathspecs left out of the proposal (caches an agent's test runs leave behind)."""

    @field_validator("env")
    @classmethod
    def _no_secrets_in_env(cls, names: list[str]) -> list[str]:
        _check_names(names)
        secret = [name for name in names if _SECRET_LOOKING.search(name)]
        if secret:
            raise ValueError(f"{', '.join(secret)} looks like a secret: name it in secret_env")
        return names

    @field_validator("secret_env")
    @classmethod
    def _valid_secret_names(cls, names: list[str]) -> list[str]:
        return _check_names(names)


class ChatAgentConfig(Model):
    """How ``chat:MODEL`` agents reach an OpenAI-compatible chat-completions endpoint."""

    base_url: str | None = None
    """Endpoint root, e.g. ``http://127.0.0.1:11434/v1``; ``None`` means OpenAI's own."""
    api_key_env: str | None = "OPENAI_API_KEY"
    """Variable holding the key; ``None`` or ``""`` for endpoints that need none (local servers)."""
    timeout_s: float = Field(default=300.0, gt=0)
    """Per-request timeout."""
    max_retries: int = Field(default=2, ge=0)
    """Retries the client makes on connection errors, 408/409/429 and 5xx, with backoff."""
    max_tokens: int = Field(default=4096, ge=1)
    """Completion token limit per answer."""
    temperature: float | None = Field(default=0.0, ge=0)
    """Sampling temperature; ``None`` leaves it to the endpoint."""
    file_budget_chars: int = Field(default=60_000, ge=0)
    """Characters of repository files put in the prompt (files named by failures first)."""
    max_listed_files: int = Field(default=200, ge=0)
    """Tracked paths listed in the prompt so the model knows the layout."""

    @field_validator("api_key_env")
    @classmethod
    def _valid_key_name(cls, name: str | None) -> str | None:
        if not name:
            return None  # TOML has no null: "" says the endpoint needs no key
        _check_names([name])
        return name


class AgentsConfig(Model):
    """Settings of every agent adapter, one table per scheme."""

    command: CommandAgentConfig = Field(default_factory=CommandAgentConfig)
    """``cmd:`` agents."""
    chat: ChatAgentConfig = Field(default_factory=ChatAgentConfig)
    """``chat:`` agents."""
