"""Normalization: remove what varies between runs of the same failure.

The same failure, run in another temporary directory, at another time, by another process,
must produce the same signals. So before a message becomes part of a signal we remove:

- terminal colour codes and locale-dependent quotes (gcc prints ``‘x’`` or ``'x'``);
- the repository root (given by the caller), leaving repository-relative paths;
- every other absolute path (``/tmp/...``, ``/home/...``, pytest's ``pytest-of-*`` dirs,
  site-packages, Windows drives): replaced by ``<path>``, keeping a file's basename;
- uuids, hex addresses (``0x7f...``), hashes (hex words of 7+ chars with a digit);
- timestamps, durations (``0.03s``, ``12 ms``) and every other standalone number
  (line and column numbers, counts, pids).

``normalize_text`` is idempotent: its output contains only placeholders (``<n>``, ``<addr>``,
``<path>``...) where it changed anything, and no rule matches a placeholder.
Diff noise (headers, ``index`` lines, modes, hunk bodies) is removed by ``strip_diff_noise``
before any extractor sees a log, so it never becomes a signal.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})

_PATH_CHARS = r"[^/\s'\"()\[\]{}<>,:;|]"
# An absolute path of two or more segments, starting at a boundary (never inside a URL or word).
_BOUNDARY = r"(?<![^\s'\"(\[=,:])"
_POSIX_ABS = re.compile(rf"{_BOUNDARY}(?:/{_PATH_CHARS}+){{2,}}/?")
_WINDOWS_ABS = re.compile(r"(?<![\w])[A-Za-z]:\\[^\s'\"()\[\]{}<>,:;|]*")
_TILDE_ABS = re.compile(rf"{_BOUNDARY}~(?:/{_PATH_CHARS}+)+/?")

_UUID = re.compile(
    r"(?<![\w])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w])"
)
_HEX_ADDR = re.compile(r"(?<![\w])0[xX][0-9a-fA-F]+(?![\w])")
_HASH = re.compile(r"(?<![\w])[0-9a-f]{7,}(?![\w])")
_TIMESTAMP = re.compile(
    r"(?<![\w])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"(?![\w])"
)
_CLOCK = re.compile(r"(?<![\w.:])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\w:])")
_DURATION = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|sec|secs|seconds?|mins?|minutes?)(?![\w])"
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)*(?![\w]|\.\d)")
_SPACES = re.compile(r"\s+")


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor escape sequences."""
    # A lone ESC left over (e.g. from nested sequences) is dropped too, so this is idempotent.
    return _ANSI.sub("", text).replace("\x1b", "")


def _keep_basename(path: str, sep: str) -> str:
    name = path.rstrip(sep).rsplit(sep, 1)[-1]
    # Keep a file's name (it says which file), never a directory name or a temp name.
    if "." in name.strip(".") and not name.lower().startswith("tmp"):
        return f"<path>/{name}"
    return "<path>"


def normalize_paths(text: str, repo_root: str | None = None) -> str:
    """Make paths run-independent: strip ``repo_root``, replace other absolute paths."""
    if repo_root:
        root = str(PurePosixPath(repo_root)) if repo_root.startswith("/") else repo_root
        root = root.rstrip("/\\")
        if root and root not in {"/", "."}:
            text = text.replace(root + "/", "").replace(root + "\\", "")
            text = re.sub(re.escape(root) + r"(?![\w.\-])", ".", text)
    text = _WINDOWS_ABS.sub(lambda m: _keep_basename(m.group(0), "\\"), text)
    text = _TILDE_ABS.sub(lambda m: _keep_basename(m.group(0), "/"), text)
    return _POSIX_ABS.sub(lambda m: _keep_basename(m.group(0), "/"), text)


def _hash_or_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return "<hash>"
    return word


def normalize_text(text: str, repo_root: str | None = None) -> str:
    """Full normalization of one message (see the module docstring). Idempotent."""
    text = strip_ansi(text).translate(_QUOTES)
    text = normalize_paths(text, repo_root)
    text = _UUID.sub("<uuid>", text)
    text = _HEX_ADDR.sub("<addr>", text)
    text = _HASH.sub(_hash_or_word, text)
    text = _TIMESTAMP.sub("<time>", text)
    text = _CLOCK.sub("<time>", text)
    text = _DURATION.sub("<dur>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACES.sub(" ", text).strip()


def message_template(text: str, repo_root: str | None = None, max_chars: int = 160) -> str:
    """A normalized message cut at a word boundary to at most about ``max_chars`` characters."""
    text = normalize_text(text, repo_root)
    if len(text) > max_chars:
        cut = text[:max_chars]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        text = normalize_text(text)
    return text


_DIFF_HEADER = re.compile(
    r"^(?:diff --git |diff --cc |index [0-9a-fA-F]+\.\.[0-9a-fA-F]+|(?:new|deleted) file mode |"
    r"old mode |new mode |similarity index |dissimilarity index |rename (?:from|to) |"
    r"copy (?:from|to) |Binary files .* differ$|--- (?:a/|/dev/null)|\+\+\+ (?:b/|/dev/null)|"
    r"GIT binary patch$)"
)
_HUNK = re.compile(r"^@@+ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@+")
_HUNK_BODY = re.compile(r"^(?:[ +\-\\]|$)")


def strip_diff_noise(text: str) -> str:
    """Drop unified-diff blocks (headers, ``index`` lines, modes, hunks) from a log.

    A diff printed in a log says what changed, not what failed: none of it may become a signal.
    """
    kept: list[str] = []
    in_diff = False
    in_hunk = False
    for line in text.splitlines():
        if _DIFF_HEADER.match(line):
            in_diff, in_hunk = True, False
            continue
        if in_diff and _HUNK.match(line):
            in_hunk = True
            continue
        if in_hunk and _HUNK_BODY.match(line):
            continue
        in_diff = in_hunk = False
        kept.append(line)
    return "\n".join(kept)
