"""Turning what an agent produced into a unified diff we are willing to hand to the kernel.

Shared by the chat and command adapters: pull a diff out of a model's answer (fenced
```` ```diff ```` blocks or bare text), list the paths it touches, refuse hostile paths before
anything is applied, and use git itself (on a throw-away index, never the worktree's own) both to
prove a diff parses and applies at the base, and to read a worktree's changes as one diff with
untracked files included.

Every problem is a ``DiffRejectedError`` carrying the ``ReasonCode`` the kernel turns into
feedback (``unparsable_diff``, ``empty_diff``, ``patch_refused``, ``patch_apply_failed``).
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from evokernel.domain.models.feedback import ReasonCode
from evokernel.errors import EvoKernelError
from sandbox import PatchPolicy, PatchRefusedError, RefusalReason, check_diff
from sandbox import diff_paths as _sandbox_diff_paths

_GIT_TIMEOUT_S = 120.0
_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_DIFF_LANGS = {"diff", "patch", "udiff"}
_HEADER = re.compile(r"^(?:diff --git |--- |\+\+\+ )", re.MULTILINE)
_APPLY_STEPS: tuple[list[str], ...] = (
    [],
    ["--unidiff-zero"],
    ["--unidiff-zero", "--ignore-whitespace"],
)
_PATHS_ONLY = PatchPolicy(forbidden_globs=[])
_REFUSALS: dict[str, ReasonCode] = {
    RefusalReason.UNPARSABLE: ReasonCode.UNPARSABLE_DIFF,
    RefusalReason.EMPTY_DIFF: ReasonCode.EMPTY_DIFF,
}


class DiffRejectedError(EvoKernelError):
    """A would-be proposal diff is unusable; ``reason`` says why in the kernel's words."""

    def __init__(self, reason: ReasonCode, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}")


def extract_diff(answer: str) -> str:
    """Return the unified diff inside a model's answer.

    Fenced blocks tagged ``diff``/``patch`` (or whose body looks like a diff) win and are joined
    in order; without fences the diff starts at the first header line. The result ends in a
    newline.

    Raises:
        DiffRejectedError: ``unparsable_diff`` when the answer holds no diff at all.
    """
    blocks = [
        body
        for lang, body in _FENCE.findall(answer)
        if lang.lower() in _DIFF_LANGS or _looks_like_diff(body)
    ]
    if blocks:
        text = "".join(block if block.endswith("\n") else block + "\n" for block in blocks)
    else:
        start = _HEADER.search(answer)
        text = answer[start.start() :] if start else ""
    if not _looks_like_diff(text):
        raise DiffRejectedError(ReasonCode.UNPARSABLE_DIFF, "the answer contains no unified diff")
    return text if text.endswith("\n") else text + "\n"


def _looks_like_diff(text: str) -> bool:
    has_git = re.search(r"^diff --git ", text, re.MULTILINE) is not None
    has_pair = re.search(r"^--- .*\n\+\+\+ ", text, re.MULTILINE) is not None
    return has_git or has_pair


def strip_level(diff: str) -> int:
    """1 when header paths carry git's ``a/``/``b/`` prefixes (models often drop them), else 0."""
    lines = diff.splitlines()
    for old, new in itertools.pairwise(lines):
        if not (old.startswith("--- ") and new.startswith("+++ ")):
            continue
        for text, prefix in ((old[4:], "a/"), (new[4:], "b/")):
            path = text.split("\t", 1)[0].strip().lstrip('"')
            if path != "/dev/null" and not path.startswith(prefix):
                return 0
    return 1


def diff_paths(diff: str) -> list[str]:
    """Repository-relative paths the diff touches (old and new names), sorted.

    Raises:
        DiffRejectedError: ``unparsable_diff`` when a header cannot be read.
    """
    try:
        return _sandbox_diff_paths(diff)
    except PatchRefusedError as exc:
        raise DiffRejectedError(ReasonCode.UNPARSABLE_DIFF, str(exc)) from exc


def check_paths(diff: str, repo_root: Path) -> list[str]:
    """Refuse names that are absolute, leave the repository, enter ``.git``, go through or
    create symlinks pointing out, or add submodules (``sandbox.pathsafety`` rules; forbidden
    globs are the kernel's policy and are not applied here). Returns the touched paths.

    Raises:
        DiffRejectedError: ``patch_refused`` (or ``unparsable_diff``/``empty_diff``).
    """
    try:
        files = check_diff(diff, repo_root, _PATHS_ONLY)
    except PatchRefusedError as exc:
        reason = _REFUSALS.get(exc.reason, ReasonCode.PATCH_REFUSED)
        raise DiffRejectedError(reason, str(exc)) from exc
    return sorted({p for f in files for p in (f.old_path, f.new_path) if p is not None})


# --- git on a throw-away index ---------------------------------------------------------------


def git_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment our own git calls get: the host's PATH and HOME, nothing else."""
    env = {name: environ[name] for name in ("PATH", "HOME") if name in environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
    return env


def _git(
    worktree: Path, args: Sequence[str], env: Mapping[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git on bytes: a diff's carriage returns and non-UTF-8 text survive both ways
    (text mode would turn CRLF into LF, and a CRLF file's capsule would not apply back)."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=true", *args],
            cwd=worktree,
            env=dict(env),
            input=None if stdin is None else stdin.encode("utf-8", "surrogateescape"),
            capture_output=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffRejectedError(ReasonCode.AGENT_FAILED, f"git {args[0]} failed: {exc}") from exc
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "surrogateescape"),
        done.stderr.decode("utf-8", "replace"),
    )


def _checked(proc: subprocess.CompletedProcess[str], what: str) -> str:
    if proc.returncode != 0:
        raise DiffRejectedError(ReasonCode.AGENT_FAILED, f"{what}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def resolve_base(worktree: Path, base_rev: str, env: Mapping[str, str]) -> str:
    """Full sha of the task's base revision in ``worktree`` (HEAD when none is given)."""
    proc = _git(worktree, ["rev-parse", "--verify", f"{base_rev or 'HEAD'}^{{commit}}"], env)
    return _checked(proc, f"base revision {base_rev!r} not found in {worktree}").strip()


_DIFF_ARGS = [
    "diff",
    "--cached",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--src-prefix=a/",
    "--dst-prefix=b/",
]


def worktree_diff(
    worktree: Path, base: str, env: Mapping[str, str], excludes: Sequence[str] = ()
) -> str:
    """The worktree's changes against ``base`` as one diff, untracked files included.

    Staged through a temporary index, so the worktree's own index, HEAD and branches stay as the
    agent left them (commits the agent made are included: the diff is against ``base``).
    Files the repository ignores and ``excludes`` globs are left out.
    """
    with tempfile.TemporaryDirectory(prefix="evokernel-index-") as tmp:
        index_env = {**env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _checked(_git(worktree, ["read-tree", base], index_env), "git read-tree")
        specs = [f":(exclude,glob){pattern}" for pattern in excludes]
        _checked(_git(worktree, ["add", "-A", "--", ".", *specs], index_env), "git add")
        return _checked(_git(worktree, [*_DIFF_ARGS, base], index_env), "git diff")


def normalise_diff(worktree: Path, base: str, diff: str, env: Mapping[str, str]) -> str:
    """Apply ``diff`` to ``base`` on a temporary index and return git's own diff of the result.

    This is the parse check: git must accept the diff at the base revision. Models miscount
    hunks and trim context unevenly, so counts are recounted and, if git still refuses, a hunk
    is no longer pinned to the file's start or end for lack of context (every context line it
    has must still match), then whitespace drift is tolerated. The result is a clean
    ``git diff`` the sandbox applies strictly. The worktree is not touched.

    Raises:
        DiffRejectedError: ``unparsable_diff``, ``patch_apply_failed`` or ``empty_diff``.
    """
    level = f"-p{strip_level(diff)}"
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="evokernel-index-") as tmp:
        index_env = {**env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _checked(_git(worktree, ["read-tree", base], index_env), "git read-tree")
        for extra in _APPLY_STEPS:
            args = ["apply", "--cached", "--recount", level, *extra, "-"]
            proc = _git(worktree, args, index_env, stdin=diff)
            if proc.returncode == 0:
                result = _checked(_git(worktree, [*_DIFF_ARGS, base], index_env), "git diff")
                if not result.strip():
                    raise DiffRejectedError(ReasonCode.EMPTY_DIFF, "the diff changes nothing")
                return result
            errors.append(proc.stderr.strip())
    detail = errors[-1][-2000:]
    unparsable = ("corrupt patch", "No valid patches", "unrecognized input", "patch fragment")
    reason = (
        ReasonCode.UNPARSABLE_DIFF
        if any(marker in detail for marker in unparsable)
        else ReasonCode.PATCH_APPLY_FAILED
    )
    raise DiffRejectedError(reason, f"git apply at the base revision: {detail}")


def tracked_files(worktree: Path, env: Mapping[str, str]) -> list[str]:
    """Regular tracked files in path order (symlinks and submodules left out)."""
    proc = _git(worktree, ["ls-files", "--stage", "-z"], env)
    files = []
    for entry in _checked(proc, "git ls-files").split("\0"):
        meta, _, path = entry.partition("\t")
        if path and meta.split(" ", 1)[0] in {"100644", "100755"}:
            files.append(path)
    return files
