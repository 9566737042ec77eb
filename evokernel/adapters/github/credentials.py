"""How the token travels: read once at the CLI boundary, handed to git only through memory.

``token_from_environ`` is what the CLI calls with ``os.environ`` (``GH_TOKEN``, then
``GITHUB_TOKEN``, as ``gh`` looks them up; or only the name given by ``--token-env``); nothing
below the CLI reads the environment. For git, the token goes
into the child process's environment under a private name, and an inline credential helper
(given with ``-c`` on the command line, never written to any config) prints it when git asks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from evokernel.adapters.github.errors import GitHubAuthError

DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"
DEFAULT_TOKEN_ENVS = ("GH_TOKEN", DEFAULT_TOKEN_ENV)
"""Where the token is looked for without ``--token-env``, in ``gh``'s order of precedence."""
TOKEN_VARIABLE = "EVOKERNEL_GIT_TOKEN"
"""The child-environment variable the credential helper reads; never set in our own process."""

# answers only "get"; "store" and "erase" do nothing, so git cannot persist the token anywhere
_HELPER = (
    '!f() { test "$1" = get || exit 0; echo username=x-access-token; '
    f'echo "password=${TOKEN_VARIABLE}"; }}; f'
)


def token_from_environ(environ: Mapping[str, str], name: str | None = None) -> str:
    """The token held in ``environ[name]``; without a name, ``GH_TOKEN`` then ``GITHUB_TOKEN``.

    Raises:
        GitHubAuthError: the variable is unset or empty (its value is never shown).
    """
    names = (name,) if name else DEFAULT_TOKEN_ENVS
    for candidate in names:
        token = environ.get(candidate, "").strip()
        if token:
            return token
    raise GitHubAuthError(f"environment variable {' or '.join(names)} is not set or empty")


def default_clone_url(repo: str, api_url: str) -> str:
    """The HTTPS clone URL of ``OWNER/NAME`` on the GitHub that ``api_url`` belongs to:
    ``https://github.com/OWNER/NAME.git`` for api.github.com, ``https://HOST/OWNER/NAME.git``
    for GitHub Enterprise's ``https://HOST/api/v3``."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        host = base.removesuffix("/api/v3")
    elif "://api." in base:
        host = base.replace("://api.", "://", 1)
    else:
        host = base
    return f"{host}/{repo}.git"


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
