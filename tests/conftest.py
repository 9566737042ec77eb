"""Fixtures shared by every suite: a clean environment, real git repositories, the real engine."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


def pytest_configure(config: pytest.Config) -> None:
    """Children must hear Ctrl-C as a terminal's would. A background job of a non-interactive
    shell (``make test &``, CI runners, nohup) starts with SIGINT ignored, every child inherits
    that, and a Python child then never installs its KeyboardInterrupt handler: the Ctrl-C tests
    would send SIGINT into nothing. A caught signal is reset to default across exec, so catching
    it here gives every child the default again."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop EVOKERNEL_* and secret-looking variables so precedence tests are deterministic
    and no host secret can leak into a sandbox, a log or the store."""
    for name in list(os.environ):
        if name.startswith("EVOKERNEL_") or _SECRET_NAME.search(name):
            monkeypatch.delenv(name, raising=False)


def _git(cwd: Path, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.invalid",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


GitRepoFactory = Callable[..., Path]


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepoFactory:
    """Factory for real git repositories: ``git_repo({"a.py": "..."}, name="r")`` -> path.

    Each call makes a repository with one commit holding ``files``; further commits can be
    made with ``commit_files(path, files, message)``.
    """
    counter = iter(range(1_000_000))

    def make(files: dict[str, str], name: str | None = None, branch: str = "main") -> Path:
        root = tmp_path / (name or f"repo{next(counter)}")
        root.mkdir(parents=True)
        _git(root, "init", "-q", "-b", branch)
        commit_files(root, files, "initial")
        return root

    return make


def commit_files(root: Path, files: Mapping[str, str | bytes], message: str) -> str:
    """Write ``files`` into ``root`` (text, or bytes as they are), commit them, return the new
    commit sha."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


def in_ci() -> bool:
    """CI sets CI=true; there a missing engine fails the run instead of skipping."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[object]:
    """The real Docker engine (a ``docker.DockerClient``). Fails rather than skips when CI=true."""
    import docker
    import docker.errors

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        if in_ci():
            pytest.fail(f"CI=true but no Docker engine answers: {exc}")
        pytest.skip(f"no Docker engine: {exc}")
    yield client
    client.close()
