"""git_push: the token reaches git through memory only, never the disk or .git/config."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evokernel.adapters.github import GitPushError, git_push
from tests.conftest import GitRepoFactory, commit_files
from tests.github.conftest import TOKEN

BACKEND = (
    Path(
        subprocess.run(
            ["git", "--exec-path"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    / "git-http-backend"
)


@dataclass
class SmartHTTP:
    """A git smart-HTTP server on 127.0.0.1 (git-http-backend) that demands Basic auth."""

    root: Path
    password: str
    url: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)


def _handler(state: SmartHTTP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            user, _, password = base64.b64decode(encoded or "").decode().partition(":")
            if scheme == "Basic":
                state.seen.append((user, password))
            if scheme != "Basic" or password != state.password:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, _, query = self.path.partition("?")
            env = {
                "PATH": os.defpath,
                "GIT_PROJECT_ROOT": str(state.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": user,
                "REMOTE_ADDR": "127.0.0.1",
            }
            done = subprocess.run(
                [str(BACKEND)], input=body, env=env, capture_output=True, timeout=60
            )
            head, _, payload = done.stdout.partition(b"\r\n\r\n")
            headers = [line.split(b":", 1) for line in head.split(b"\r\n") if b":" in line]
            status = next((int(v.split()[0]) for k, v in headers if k.lower() == b"status"), 200)
            self.send_response(status)
            for key, value in headers:
                if key.lower() != b"status":
                    self.send_header(key.decode(), value.decode().strip())
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def smart_http(tmp_path: Path) -> Iterator[SmartHTTP]:
    root = tmp_path / "served"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "--bare", str(root / "demo.git")], check=True)
    state = SmartHTTP(root=root, password=TOKEN)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/demo.git"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(10)


def _files_containing(root: Path, needle: str) -> list[Path]:
    return [
        path for path in root.rglob("*") if path.is_file() and needle.encode() in path.read_bytes()
    ]


def _isolated_env(home: Path) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    return {"PATH": os.defpath, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}


def test_push_over_http_uses_the_token_without_writing_it_anywhere(
    git_repo: GitRepoFactory, smart_http: SmartHTTP, tmp_path: Path
) -> None:
    work = git_repo({"a.py": "x = 1\n"}, name="work")
    home = tmp_path / "home"
    # a user config that would store credentials on disk if it were honoured
    env = _isolated_env(home)
    (home / ".gitconfig").write_text("[credential]\n\thelper = store\n")
    config_before = (work / ".git" / "config").read_text()

    git_push(work, smart_http.url, "main", TOKEN, env=env)

    # the helper really answered: the server saw the token as the password
    assert ("x-access-token", TOKEN) in smart_http.seen
    served = subprocess.run(
        ["git", "rev-parse", "main"],
        cwd=smart_http.root / "demo.git",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    local = subprocess.run(
        ["git", "rev-parse", "main"], cwd=work, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert served == local
    # and nothing on disk holds it: not .git/config, not the repository, not HOME
    assert (work / ".git" / "config").read_text() == config_before
    assert _files_containing(work, TOKEN) == []
    assert _files_containing(home, TOKEN) == []
    assert not (home / ".git-credentials").exists()
    assert TOKEN not in os.environ.get("EVOKERNEL_GIT_TOKEN", "")


def test_wrong_token_fails_with_a_redacted_error(
    git_repo: GitRepoFactory, smart_http: SmartHTTP, tmp_path: Path
) -> None:
    work = git_repo({"a.py": "x = 1\n"}, name="work")
    wrong = TOKEN + "-wrong"
    with pytest.raises(GitPushError) as caught:
        git_push(work, smart_http.url, "main", wrong, env=_isolated_env(tmp_path / "home"))
    assert caught.value.returncode != 0
    assert wrong not in str(caught.value) and wrong not in caught.value.stderr
    assert ("x-access-token", wrong) in smart_http.seen


def test_push_to_a_path_remote_updates_the_branch_and_leaves_config_alone(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    work = git_repo({"a.py": "x = 1\n"}, name="work")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    config_before = (work / ".git" / "config").read_text()
    git_push(work, str(bare), "main", TOKEN)
    sha = commit_files(work, {"a.py": "x = 2\n"}, "second")
    git_push(work, str(bare), "evo/issue-3", TOKEN, local_ref=sha)
    heads = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname) %(objectname)"],
        cwd=bare,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert f"refs/heads/evo/issue-3 {sha}" in heads
    assert (work / ".git" / "config").read_text() == config_before
    assert _files_containing(work, TOKEN) == []


def test_diverged_branch_needs_force(git_repo: GitRepoFactory, tmp_path: Path) -> None:
    work = git_repo({"a.py": "x = 1\n"}, name="work")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    first = commit_files(work, {"a.py": "x = 2\n"}, "one")
    git_push(work, str(bare), "evo/issue-1", TOKEN, local_ref=first)
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=work, check=True)
    other = commit_files(work, {"a.py": "x = 3\n"}, "other")
    with pytest.raises(GitPushError):
        git_push(work, str(bare), "evo/issue-1", TOKEN, local_ref=other)
    git_push(work, str(bare), "evo/issue-1", TOKEN, local_ref=other, force=True)


def test_credentials_in_the_url_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        git_push(tmp_path, f"https://x:{TOKEN}@github.com/o/r.git", "main", TOKEN)
