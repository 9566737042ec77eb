"""The test-edit rule of the reward-hacking guard: a proposal must fix the code, not the tests.

By default a proposal is rejected with ``ReasonCode.TEST_EDITS_REFUSED`` before anything is
validated when it adds, edits, deletes or renames a test file, touches a pytest ``conftest.py``,
a test configuration file (``pytest.ini``, ``tox.ini``, ``.coveragerc``...), a startup hook
(``sitecustomize.py``, ``usercustomize.py``, ``*.pth``), installed metadata
(``entry_points.txt``, ``*.dist-info``), or a test section of a shared configuration file
(``[tool:pytest]``, ``[tox:tox]``, ``[testenv*]``, ``[coverage:*]``, ``[options.entry_points]``
in ``setup.cfg``; ``[tool.pytest*]``, ``[tool.coverage*]``, ``[tool.tox*]``, pytest11 entry
points in ``pyproject.toml``). With ``allow_new_regression_tests`` a *new* test module
(``test_*.py``/``*_test.py`` under a test path) is admitted instead; the kernel then proves it
(``evokernel.application.kernel.guard``). Everything is configurable in ``GuardConfig``; a task
whose scope allows test edits passes ``GuardConfig(enabled=False)``. The same globs reset
the harness in the sandbox (``harness_policy``), whatever this check said.

To tell which section a changed line of ``setup.cfg``/``pyproject.toml`` is in, the guard reads
the hunks, and the base file when ``read_base`` is given. Without the base file a change whose
section header lies outside the hunk cannot be placed; ``unknown_section_is_test`` (default
true) makes that a rejection: fail closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Literal

from pydantic import Field, StrictBool

from evokernel.domain.diffparse import DiffFileChange, Hunk, parse_diff
from evokernel.domain.globs import match_any
from evokernel.domain.guard_sections import TOP, UNKNOWN, ScanState, Syntax, matches_section, scan
from evokernel.domain.models import Model
from evokernel.domain.models.feedback import NextAction, ReasonCode
from sandbox import HarnessPolicy

ReadBase = Callable[[str], str | None]
"""Returns a file's text at the base revision (``None`` when it does not exist)."""


class GuardConfig(Model):
    """What counts as a test or test configuration (globs: see ``evokernel.domain.globs``)."""

    enabled: StrictBool = True
    """Run the guard at all (a task whose scope allows test edits turns it off)."""
    test_files: list[str] = Field(default_factory=lambda: list(HarnessPolicy.TEST_FILE_GLOBS))
    """Test files: never added, edited, deleted or renamed (see ``allow_new_regression_tests``)."""
    test_config_files: list[str] = Field(
        default_factory=lambda: list(HarnessPolicy.TEST_CONFIG_GLOBS)
    )
    """Files that decide how test runs go as a whole: never added, edited or deleted."""
    sectioned_files: dict[str, list[str]] = Field(
        default_factory=lambda: {
            name: list(prefixes) for name, prefixes in HarnessPolicy.TEST_SECTIONS.items()
        }
    )
    """Shared config files -> section prefixes that configure tests (``.``/``:`` separated)."""
    unknown_section_is_test: StrictBool = True
    """A changed line of a sectioned file whose section cannot be told counts as a test edit."""
    allow_new_regression_tests: bool = False
    """Admit new test modules (``test_*.py``/``*_test.py`` under a test path) as regression
    tests; each must fail on the unfixed code and pass with the fix, proven apart from the
    judged run (which never sees them)."""
    suspicious: Literal["quarantine", "refuse"] = "quarantine"
    """A validated proposal whose code reaches into the test runner is captured quarantined
    for a person's review (never promoted or replayed automatically), or refused."""


class ChangeKind(StrEnum):
    """How a diff changes a file."""

    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    ADDED = "added"
    """Added, or copied from another file."""
    MODE = "mode"
    """Only the file mode changes."""


class GuardFinding(Model):
    """One reason the guard objects."""

    path: str
    """The file concerned."""
    change: ChangeKind
    """How the file is changed."""
    rule: str
    """The pattern or section that matched (``unknown-section`` when it could not be told)."""


class GuardVerdict(Model):
    """The guard's decision on a proposal."""

    ok: bool
    """True when the proposal leaves tests and test configuration alone."""
    reason_code: ReasonCode | None = None
    """``TESTS_MODIFIED`` when rejected."""
    next_action: NextAction = NextAction.NONE
    """``REVERT_TEST_EDITS`` when rejected."""
    findings: list[GuardFinding] = Field(default_factory=list)
    """Every offending change, sorted by path."""
    admitted: list[str] = Field(default_factory=list)
    """New regression test modules let through (``allow_new_regression_tests``), to prove."""
    detail: str = ""
    """One sentence for the agent."""


_ADMIT = GuardFinding(path="", change=ChangeKind.ADDED, rule="admitted-regression-test")
"""Internal marker: the file is a new regression test to prove, not an offence."""


def _kind(change: DiffFileChange) -> ChangeKind:
    if change.added or change.copied:
        return ChangeKind.ADDED
    if change.deleted:
        return ChangeKind.DELETED
    if change.renamed:
        return ChangeKind.RENAMED
    if change.mode_changed and not change.hunks:
        return ChangeKind.MODE
    return ChangeKind.MODIFIED


def check_test_edits(
    diff_files: Sequence[DiffFileChange], config: GuardConfig, read_base: ReadBase | None = None
) -> GuardVerdict:
    """Reject a change set that edits existing tests or test configuration (see module doc)."""
    if not config.enabled:
        return GuardVerdict(ok=True)
    findings: list[GuardFinding] = []
    admitted: list[str] = []
    for change in diff_files:
        found = _check_file(change, config, read_base)
        if found == [_ADMIT] and change.new_path:
            admitted.append(change.new_path)
        else:
            findings += found
    if not findings:
        return GuardVerdict(ok=True, admitted=sorted(admitted))
    findings.sort(key=lambda f: (f.path, f.change, f.rule))
    listed = ", ".join(f"{f.path} ({f.change})" for f in findings[:5])
    more = f" and {len(findings) - 5} more" if len(findings) > 5 else ""
    return GuardVerdict(
        ok=False,
        reason_code=ReasonCode.TEST_EDITS_REFUSED,
        next_action=NextAction.REVERT_TEST_EDITS,
        findings=findings,
        detail=f"the proposal changes tests or what decides how they run: {listed}{more}",
    )


def harness_policy(
    config: GuardConfig, admitted: Sequence[str] = (), *, code_at_base: bool = False
) -> HarnessPolicy:
    """The sandbox's harness reset built from the same globs (plain data for ``sandbox``)."""
    return HarnessPolicy(
        enabled=config.enabled,
        protected=[*config.test_files, *config.test_config_files],
        sections=dict(config.sectioned_files),
        admitted=list(admitted),
        code_at_base=code_at_base,
    )


def is_regression_test_module(path: str) -> bool:
    """A module pytest collects by default: ``test_*.py`` or ``*_test.py``."""
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def check_diff_test_edits(
    diff: str, config: GuardConfig, read_base: ReadBase | None = None
) -> GuardVerdict:
    """``check_test_edits`` over a unified diff (raises ``DiffParseError`` when unreadable)."""
    return check_test_edits(parse_diff(diff), config, read_base)


def _check_file(
    change: DiffFileChange, config: GuardConfig, read_base: ReadBase | None
) -> list[GuardFinding]:
    kind = _kind(change)
    found: list[GuardFinding] = []
    for path in change.paths:
        if rule := match_any(path, config.test_config_files):
            found.append(GuardFinding(path=path, change=kind, rule=rule))
    if found:
        return found
    # An existing test file may not change.
    if (
        change.old_path
        and not change.copied
        and (rule := match_any(change.old_path, config.test_files))
    ):
        return [GuardFinding(path=change.old_path, change=kind, rule=rule)]
    # A new one is refused, or admitted as a regression test to prove.
    if change.new_path and (rule := match_any(change.new_path, config.test_files)):
        if (
            kind is ChangeKind.ADDED
            and config.allow_new_regression_tests
            and is_regression_test_module(change.new_path)
        ):
            return [_ADMIT]
        return [GuardFinding(path=change.new_path, change=kind, rule=rule)]
    for path in change.paths:
        for pattern, prefixes in config.sectioned_files.items():
            if match_any(path, [pattern]):
                found += _check_sections(change, path, prefixes, config, read_base)
    return found


def split_lines(text: str) -> list[str]:
    """Lines as the diff reader splits them (on newlines only, carriage returns dropped)."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def _syntax(path: str) -> Syntax:
    return Syntax.TOML if path.endswith(".toml") else Syntax.INI


def _check_sections(
    change: DiffFileChange,
    path: str,
    prefixes: list[str],
    config: GuardConfig,
    read_base: ReadBase | None,
) -> list[GuardFinding]:
    kind = _kind(change)
    syntax = _syntax(path)
    base = read_base(change.old_path) if read_base and change.old_path else None
    touched: list[str | None]
    if change.binary:
        touched = [None]
    elif kind is ChangeKind.RENAMED or change.copied:
        # The file moves (or is copied): its content arrives at the new path whole.
        if base is None:
            touched = [None]
        elif path == change.old_path:
            touched = list(scan(split_lines(base), syntax)[0])
        else:
            moved = apply_hunks(split_lines(base), change.hunks)
            touched = [None] if moved is None else list(scan(moved, syntax)[0])
    else:
        touched = _changed_paths(change, syntax, base)
    rules: set[str] = set()
    for section in touched:
        if section is None:
            if config.unknown_section_is_test:
                rules.add("unknown-section")
        elif matches_section(section, prefixes):
            rules.add(next(p for p in prefixes if matches_section(section, [p])))
    return [GuardFinding(path=path, change=kind, rule=rule) for rule in sorted(rules)]


def _changed_paths(change: DiffFileChange, syntax: Syntax, base: str | None) -> list[str | None]:
    """Section paths of every added or removed line."""
    if base is not None:
        old_lines = split_lines(base)
        new_lines = apply_hunks(old_lines, change.hunks)
        if new_lines is not None:
            old_paths = scan(old_lines, syntax)[0]
            new_paths = scan(new_lines, syntax)[0]
            out: list[str | None] = []
            for hunk in change.hunks:
                for op, old_no, new_no, _text in hunk.numbered():
                    if op == "-" and old_no is not None:
                        out.append(old_paths[old_no - 1])
                    elif op == "+" and new_no is not None:
                        out.append(new_paths[new_no - 1])
            return out
    out = []
    for hunk in change.hunks:
        out += _hunk_paths(hunk, syntax)
    return out


def _hunk_paths(hunk: Hunk, syntax: Syntax) -> list[str | None]:
    """Without the base file: scan each side of the hunk from what the hunk shows."""
    numbered = hunk.numbered()
    out: list[str | None] = []
    for side, start in (("-", hunk.old_start), ("+", hunk.new_start)):
        state: ScanState = TOP if start <= 1 else UNKNOWN
        rows = [(op, text) for op, _o, _n, text in numbered if op in {" ", side}]
        paths = scan((text for _op, text in rows), syntax, state)[0]
        out += [p for (op, _text), p in zip(rows, paths, strict=True) if op == side]
    return out


def apply_hunks(old_lines: list[str], hunks: list[Hunk]) -> list[str] | None:
    """The new file from the old one and the hunks; ``None`` when they do not fit."""
    new: list[str] = []
    cursor = 0
    for hunk in hunks:
        start = max(hunk.old_start - 1, 0) if hunk.old_count else hunk.old_start
        if start < cursor or start > len(old_lines):
            return None
        new += old_lines[cursor:start]
        cursor = start
        for line in hunk.lines:
            op, text = line[:1], line[1:]
            if op in " -":
                if cursor >= len(old_lines) or old_lines[cursor] != text:
                    return None
                cursor += 1
            if op in " +":
                new.append(text)
    return new + old_lines[cursor:]
