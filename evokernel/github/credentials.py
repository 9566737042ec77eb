"""How the token travels: read once at the CLI boundary, handed to git only through memory.

``token_from_environ`` is what the CLI calls with ``os.environ`` (``GITHUB_TOKEN`` or the name
given by ``--token-env``); nothing below the CLI reads the environment. For git, the token goes
into the child process's environment under a private name, and an inline credential helper
(given with ``-c`` on the command line, never written to any config) prints it when git asks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from evokernel.github.errors import GitHubAuthError

DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"
TOKEN_VARIABLE = "EVOKERNEL_GIT_TOKEN"
"""The child-environment variable the credential helper reads; never set in our own process."""

# answers only "get"; "store" and "erase" do nothing, so git cannot persist the token anywhere
_HELPER = (
    '!f() { test "$1" = get || exit 0; echo username=x-access-token; '
    f'echo "password=${TOKEN_VARIABLE}"; }}; f'
)


def token_from_environ(environ: Mapping[str, str], name: str = DEFAULT_TOKEN_ENV) -> str:
    """The token held in ``environ[name]``.

    Raises:
        GitHubAuthError: the variable is unset or empty (its value is never shown).
    """
    token = environ.get(name, "").strip()
    if not token:
        raise GitHubAuthError(f"environment variable {name} is not set or empty")
    return token


def credential_args() -> list[str]:
    """``git -c`` options: drop every configured helper, then add ours (reads the env)."""
    return ["-c", "credential.helper=", "-c", f"credential.helper={_HELPER}"]


def credential_env(token: str | None) -> dict[str, str]:
    """Variables for the git child process: the token (if any) and no interactive prompting."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    if token:
        env[TOKEN_VARIABLE] = token
    return env


def isolated_env() -> dict[str, str]:
    """A base environment for git without user or system config: nothing configured can store
    or print the token."""
    return {
        "PATH": os.defpath,
        "HOME": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
    }
