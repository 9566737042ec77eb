"""The drift corpus: the same bug in real releases of real packages, drifted on purpose.

Sources are sdists that ``scripts/fetch-drift-corpus`` (``make setup``) downloads into
``.evokernel/cache/drift/``: boltons 17.2.0 / 20.2.1 / 24.0.0 and sortedcontainers 2.0.5 /
2.1.0 / 2.4.0. For each *family* one bug is injected into every release (one or two lines of a
function that exists in all three), the fix is captured on the oldest release, and the other
releases are the replay tasks. Where the real history lacks a kind of drift, it is synthesised
by transforming the real release's source: a moved function, a function that became a method,
a moved module file, changed context lines, a hunk at the first line of a file, CRLF files,
renamed or moved test files, renamed test functions, a look-alike line in another function.
One task carries an *unrelated* bug that fails the same test: replaying the capsule there
would be a false replay.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evokernel.errors import EvoKernelError

DEFAULT_CACHE = Path(".evokernel/cache/drift")
"""Where ``scripts/fetch-drift-corpus`` puts the sdists (relative to the repository root)."""

Files = dict[str, bytes]
Transform = Callable[[Files], Files]


class DriftCorpusMissingError(EvoKernelError, FileNotFoundError):
    """The sdists are not in the cache: run ``make setup`` (``scripts/fetch-drift-corpus``).
    A missing input, so the command exits 2."""


@dataclass(frozen=True)
class DriftTask:
    """One repository to replay on: a release with the bug (or an unrelated one) and drift."""

    name: str
    """``family/release/drift``."""
    files: Files
    """The repository's files, bug included."""
    fixed: Files
    """The same files with the family's bug fixed where it is: what a correct replay yields
    (for an unrelated bug: the files as they are, since the capsule must not change them)."""
    recurring: bool = True
    """The family's bug is there (replay expected); ``False`` for the unrelated bug."""


@dataclass(frozen=True)
class DriftFamily:
    """One bug: where it is captured, and the drifted tasks it should replay on."""

    name: str
    package: str
    capture: DriftTask
    tasks: list[DriftTask] = field(default_factory=list)


def _sdist(cache: Path, package: str, version: str) -> tarfile.TarFile:
    path = cache / f"{package}-{version}.tar.gz"
    if not path.is_file():
        raise DriftCorpusMissingError(
            f"drift corpus: {path} is missing; run `make setup` (scripts/fetch-drift-corpus)"
        )
    return tarfile.open(path)


def _members(cache: Path, package: str, version: str, wanted: list[str]) -> Files:
    with _sdist(cache, package, version) as archive:
        out: Files = {}
        for rel in wanted:
            member = archive.extractfile(f"{package}-{version}/{rel}")
            if member is None:
                raise DriftCorpusMissingError(f"{package} {version}: no {rel} in the sdist")
            out[rel] = member.read()
        return out


def _replace(files: Files, path: str, old: bytes, new: bytes, count: int = 1) -> Files:
    data = files[path]
    if data.count(old) < count:
        raise ValueError(f"{path}: {old!r} occurs {data.count(old)} times, need {count}")
    return {**files, path: data.replace(old, new, count)}


def _move(files: Files, old: str, new: str) -> Files:
    out = {k: v for k, v in files.items() if k != old}
    out[new] = files[old]
    return out


def _crlf(files: Files, path: str) -> Files:
    return {**files, path: files[path].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")}


def _move_def_to_end(files: Files, path: str, name: bytes) -> Files:
    """Move the top-level function ``name`` (its def to the next top-level line) to the end."""
    lines = files[path].splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(b"def " + name + b"("))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in b" \t#"):
        end += 1
    block, rest = lines[start:end], lines[:start] + lines[end:]
    return {**files, path: b"".join(rest).rstrip(b"\n") + b"\n\n\n" + b"".join(block)}


def _def_to_method(files: Files, path: str, name: bytes, holder: bytes) -> Files:
    """Turn the top-level function ``name`` into a static method of a new class ``holder``,
    kept importable under its old name."""
    lines = files[path].splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(b"def " + name + b"("))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in b" \t"):
        end += 1
    body = [b"    " + line if line.strip() else line for line in lines[start:end]]
    method = [b"class " + holder + b"(object):\n", b"    @staticmethod\n", *body]
    alias = [name + b" = " + holder + b"." + name + b"\n\n\n"]
    return {**files, path: b"".join(lines[:start] + method + [b"\n"] + alias + lines[end:])}


# -- boltons: strutils.a10n ------------------------------------------------------------------

_A10N_OK = b"    if len(string) < 3:\n"
_A10N_BUG = b"    if len(string) < 4:\n"
_STRUTILS = "boltons/strutils.py"
_A10N_TEST = b"""from boltons.strutils import a10n, camel2under


def test_a10n_abbreviates():
    assert a10n('abc') == 'a1c'
    assert a10n('internationalization') == 'i18n'


def test_camel2under():
    assert camel2under('BasicParseTest') == 'basic_parse_test'
"""
_LOOK_ALIKE = b'''

def short_enough(string):
    """Strings this short are kept as they are."""
    if len(string) < 4:
        return string
    return ''
'''


def _boltons(cache: Path, version: str) -> Files:
    files = _members(cache, "boltons", version, ["boltons/__init__.py", _STRUTILS])
    files["tests/test_drift_strutils.py"] = _A10N_TEST
    files["tests/__init__.py"] = b""
    return files


def _a10n_task(cache: Path, version: str, drift: str, *transforms: Transform) -> DriftTask:
    fixed = _boltons(cache, version)
    for transform in transforms:
        fixed = transform(fixed)
    path = next(p for p, data in fixed.items() if p.endswith(".py") and b"def a10n(" in data)
    crlf = b"\r\n" in fixed[path]
    ok, bug = (x.replace(b"\n", b"\r\n") if crlf else x for x in (_A10N_OK, _A10N_BUG))
    buggy = _replace(fixed, path, ok, bug)
    return DriftTask(f"boltons-a10n/{version}/{drift}", buggy, fixed)


def _boltons_family(cache: Path) -> DriftFamily:
    tests = "tests/test_drift_strutils.py"

    def look_alike(f: Files) -> Files:
        marker = b"\ndef a10n("
        source = f[_STRUTILS].replace(marker, _LOOK_ALIKE.lstrip(b"\n") + b"\n" + marker)
        check = b"\n\ndef test_short():\n    from boltons.strutils import short_enough\n"
        check += b"    assert short_enough('abc') == 'abc'\n"
        return {**f, _STRUTILS: source, tests: f[tests] + check}

    unrelated = _boltons(cache, "24.0.0")
    unrelated_bug = _replace(unrelated, _STRUTILS, b"{len(string[1:-1])}", b"{len(string[1:])}")
    tasks = [
        _a10n_task(cache, "20.2.1", "release"),
        _a10n_task(cache, "24.0.0", "release"),
        _a10n_task(
            cache, "20.2.1", "moved-function", lambda f: _move_def_to_end(f, _STRUTILS, b"a10n")
        ),
        _a10n_task(
            cache,
            "24.0.0",
            "function-became-method",
            lambda f: _def_to_method(f, _STRUTILS, b"a10n", b"Numeronym"),
        ),
        _a10n_task(
            cache,
            "24.0.0",
            "moved-module",
            lambda f: _move(f, _STRUTILS, "boltons/strutils/__init__.py"),
        ),
        _a10n_task(
            cache,
            "20.2.1",
            "two-context-lines-changed",
            lambda f: _replace(
                f, _STRUTILS, b"    .. _numeronym: http", b"    .. _numeronym: https"
            ),
            lambda f: _replace(
                f,
                _STRUTILS,
                b"    return '%s%s%s' % (string[0]",
                b"    return '%s%s%s' % (string[+0]",
            ),
        ),
        _a10n_task(cache, "20.2.1", "crlf-file", lambda f: _crlf(f, _STRUTILS)),
        _a10n_task(
            cache,
            "24.0.0",
            "renamed-test-file",
            lambda f: _move(f, tests, "tests/test_text_abbrev.py"),
        ),
        _a10n_task(
            cache,
            "24.0.0",
            "tests-moved-folder",
            lambda f: {
                **_move(f, tests, "testing/unit/test_strutils_more.py"),
                "testing/__init__.py": b"",
                "testing/unit/__init__.py": b"",
            },
        ),
        _a10n_task(
            cache,
            "20.2.1",
            "renamed-test-functions",
            lambda f: _replace(
                f, tests, b"def test_a10n_abbreviates", b"def test_numeronyms_are_short"
            ),
        ),
        _a10n_task(cache, "24.0.0", "look-alike-line", look_alike),
        DriftTask(
            "boltons-a10n/24.0.0/unrelated-bug", unrelated_bug, unrelated_bug, recurring=False
        ),
    ]
    return DriftFamily("boltons-a10n", "boltons", _a10n_task(cache, "17.2.0", "capture"), tasks)


# -- boltons: a module whose first line is the buggy function (hunk at line 1) ---------------

_FIRST_LINE = (
    b"def a10n(string):\n    if len(string) < 3:\n        return string\n"
    b"    return '%s%s%s' % (string[0], len(string[1:-1]), string[-1])\n"
)
_FIRST_LINE_TEST = (
    b"from numeronym import a10n\n\n\ndef test_a10n():\n    assert a10n('abc') == 'a1c'\n"
)


def _first_line_family() -> DriftFamily:
    def task(version: str, drift: str, module: bytes) -> DriftTask:
        fixed = {"numeronym.py": module, "test_numeronym.py": _FIRST_LINE_TEST}
        return DriftTask(
            f"numeronym/{version}/{drift}",
            _replace(fixed, "numeronym.py", _A10N_OK, _A10N_BUG),
            fixed,
        )

    above = b"def camel(text):\n    return text.title()\n\n\n"
    above += b"def snake(text):\n    return text.lower()\n\n\n"
    # Its own repository identity: boltons' a10n capsule would also fix it (by the symbol
    # rung, found in the moved file), but this family shows the hunk at line 1 relocating.
    return DriftFamily(
        "numeronym",
        "numeronym",
        task("1", "capture", _FIRST_LINE),
        [task("2", "hunk-at-line-1-moved-down", above + _FIRST_LINE)],
    )


# -- sortedcontainers: SortedList.__contains__ (a two-line fix) ----------------------------

_SORTEDLIST = "sortedcontainers/sortedlist.py"
_CONTAINS_OK = (
    b"        pos = bisect_left(_maxes, value)\n\n"
    b"        if pos == len(_maxes):\n            return False\n"
)
_CONTAINS_BUG = (
    b"        pos = bisect_left(_maxes, value)\n\n"
    b"        if pos >= len(_maxes) - 1:\n            return 0\n"
)
_SC_TEST = b"""from sortedcontainers import SortedList


def test_membership():
    sl = SortedList(range(10))
    assert (3 in sl) is True
    assert (99 in sl) is False
"""


def _sorted(cache: Path, version: str, crlf: bool = False) -> DriftTask:
    names = ["__init__.py", "sortedlist.py", "sortedset.py", "sorteddict.py"]
    fixed = _members(cache, "sortedcontainers", version, [f"sortedcontainers/{n}" for n in names])
    fixed["tests/test_drift_sorted.py"] = _SC_TEST
    if crlf:
        fixed = _crlf(fixed, _SORTEDLIST)
    ok, bug = (_CONTAINS_OK, _CONTAINS_BUG)
    if crlf:
        ok, bug = (x.replace(b"\n", b"\r\n") for x in (ok, bug))
    drift = "crlf" if crlf else "release"
    return DriftTask(
        f"sortedcontainers/{version}/{drift}", _replace(fixed, _SORTEDLIST, ok, bug), fixed
    )


def _sorted_families(cache: Path) -> list[DriftFamily]:
    return [
        DriftFamily(
            "sortedcontainers",
            "sortedcontainers",
            _sorted(cache, "2.0.5"),
            [_sorted(cache, "2.1.0"), _sorted(cache, "2.4.0")],
        ),
        DriftFamily(
            "sortedcontainers-crlf",
            "sortedcontainers",
            _sorted(cache, "2.0.5", crlf=True),
            [_sorted(cache, "2.4.0", crlf=True)],
        ),
    ]


def build_corpus(cache: Path = DEFAULT_CACHE) -> list[DriftFamily]:
    """Every family of the corpus, read from the sdists in ``cache``.

    Raises:
        DriftCorpusMissingError: a sdist is missing (run ``make setup``).
    """
    return [_boltons_family(cache), _first_line_family(), *_sorted_families(cache)]
