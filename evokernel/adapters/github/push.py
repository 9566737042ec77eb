"""``git_push``: push one branch to a remote URL without the token touching disk.

The URL is given on the command line (no remote is added to ``.git/config``), the token reaches
git only through the child's environment and an inline credential helper, every configured
helper (``store`` would write ``~/.git-credentials``) is disabled for the call, and the user's
and system's git config are not read unless the caller passes an environment that allows it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from evokernel.adapters.github.credentials import credential_args, credential_env, isolated_env
from evokernel.adapters.github.errors import GitPushError
from evokernel.adapters.github.redact import redact

PUSH_TIMEOUT = 300


def git_push(
    repo_path: Path,
    remote_url: str,
    branch: str,
    token: str | None,
    *,
    local_ref: str | None = None,
    force: bool = False,
    env: Mapping[str, str] | None = None,
) -> None:
    """Push ``local_ref`` (default: the branch of the same name) to ``refs/heads/<branch>``.

    Args:
        repo_path: the local repository.
        remote_url: an ``https://`` URL (without credentials) or a path to a bare repository.
        branch: the remote branch to update.
        token: the GitHub token; unused by path remotes, never written anywhere.
        local_ref: what to push, e.g. a commit sha; defaults to ``refs/heads/<branch>``.
        force: overwrite a remote branch that has diverged.
        env: base environment for git (``PATH``, ``HOME``); defaults to an isolated one.

    Raises:
        ValueError: ``remote_url`` carries credentials.
        GitPushError: git failed; its stderr is redacted.
    """
    parts = urlsplit(remote_url)
    if parts.scheme in ("http", "https") and (parts.username or parts.password):
        raise ValueError("remote_url must not carry credentials; pass the token instead")
    source = local_ref or f"refs/heads/{branch}"
    refspec = f"{'+' if force else ''}{source}:refs/heads/{branch}"
    child_env = dict(env) if env is not None else isolated_env()
    child_env.update(credential_env(token))
    secrets = [token] if token else []
    command = ["git", *credential_args(), "push", "--porcelain", remote_url, refspec]
    try:
        done = subprocess.run(
            command,
            cwd=repo_path,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=PUSH_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitPushError(
            f"git push of {branch} timed out after {PUSH_TIMEOUT}s", returncode=-1, stderr=""
        ) from exc
    if done.returncode != 0:
        stderr = redact(done.stderr, secrets).strip()
        raise GitPushError(
            f"git push of {branch} failed ({done.returncode}): {stderr[-500:]}",
            returncode=done.returncode,
            stderr=stderr,
        )
