"""The loop's local clone: fetched from the remote, validated in worktrees, committed on, pushed.

Git reaches the remote only with the URL on the command line and the token in the child's
environment (the same inline credential helper ``git_push`` uses), so neither the token nor a
URL with credentials is ever written to ``.git/config``. ``remote.origin.url`` is set to the
plain URL only because the repository's identity (``repo_identity``) is read from it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from evokernel.adapters.github.credentials import credential_args, credential_env, isolated_env
from evokernel.adapters.github.errors import GitHubError
from evokernel.adapters.github.push import git_push
from evokernel.adapters.github.redact import redact

GIT_TIMEOUT = 300
_TRAILER = re.compile(r"^(Evo-[A-Za-z-]+):\s*(.*)$")


class CloneError(GitHubError):
    """A git command on the local clone failed; the message is redacted."""

    def __init__(self, message: str, *, returncode: int) -> None:
        self.returncode = returncode
        super().__init__(message)


@dataclass(frozen=True)
class LocalClone:
    """A clone of ``url`` at ``path`` that never stores credentials.

    Args:
        path: the clone's directory (created by ``ensure``).
        url: the remote: an ``https://`` URL without credentials, or a path.
        token: the token for the remote; kept out of ``repr`` and never written anywhere.
    """

    path: Path
    url: str
    token: str | None = field(default=None, repr=False)

    def ensure(self) -> None:
        """Create the clone (``git init`` plus the plain origin URL) unless it exists."""
        if not (self.path / ".git").is_dir():
            self.path.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q")
        self._git("config", "remote.origin.url", self.url)

    def fetch(self, branch: str) -> str:
        """Fetch ``branch`` into ``refs/remotes/origin/<branch>``; returns its commit.

        Raises:
            CloneError: the remote is unreachable or has no such branch.
        """
        self.ensure()
        ref = f"refs/remotes/origin/{branch}"
        self._git(
            *credential_args(),
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            self.url,
            f"+refs/heads/{branch}:{ref}",
            remote=True,
        )
        return self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")

    def local_branch(self, branch: str) -> str | None:
        """The commit local ``branch`` points at, or None."""
        if not (self.path / ".git").is_dir():
            return None
        done = self._run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
        return done.stdout.strip() if done.returncode == 0 else None

    def message(self, commit: str) -> str:
        """The full commit message of ``commit``."""
        return self._git("show", "-s", "--format=%B", commit)

    def trailers(self, commit: str) -> dict[str, str]:
        """The ``Evo-*`` trailers of ``commit`` (``Evo-Run``, ``Evo-Capsule``, ...)."""
        text = self._git("show", "-s", "--format=%(trailers:only,unfold)", commit)
        found: dict[str, str] = {}
        for line in text.splitlines():
            match = _TRAILER.match(line.strip())
            if match:
                found[match.group(1)] = match.group(2).strip()
        return found

    def push(self, branch: str, commit: str) -> None:
        """Push ``commit`` to the remote's ``branch`` (never forced).

        Raises:
            GitPushError: git refused or failed; its message is redacted.
        """
        git_push(self.path, self.url, branch, self.token, local_ref=commit)

    # -- plumbing -----------------------------------------------------------------------------

    def _git(self, *args: str, remote: bool = False) -> str:
        done = self._run(*args, remote=remote)
        if done.returncode != 0:
            secrets = [self.token] if self.token else []
            stderr = redact(done.stderr, secrets).strip()[-500:]
            verb = next((a for a in args if not a.startswith("-") and "=" not in a), "?")
            raise CloneError(
                f"git {verb} in {self.path} failed ({done.returncode}): {stderr}",
                returncode=done.returncode,
            )
        return done.stdout.strip()

    def _run(self, *args: str, remote: bool = False) -> subprocess.CompletedProcess[str]:
        env = isolated_env()
        if remote:
            env.update(credential_env(self.token))
        try:
            return subprocess.run(
                ["git", *args],
                cwd=self.path,
                env=env,
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CloneError(f"git timed out after {GIT_TIMEOUT}s", returncode=-1) from exc
