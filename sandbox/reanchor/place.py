"""Placing one hunk in a file by content, and writing the placed hunks back.

A hunk is placed where its preimage (context and removed lines) occurs. Trimming context
lines off its edges (``max_lead``/``max_trail`` per side) is tried one line at a time, fewest
first; at the first trim level where anything matches, every match must be the same place,
or the hunk is refused as ambiguous: a patch never lands on a look-alike line. A hunk that only
adds lines keeps at least one context line on each side that had context (else it could be
inserted anywhere), and a hunk whose postimage is already there is refused (applying it would
add its lines twice).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from sandbox.reanchor.text import dominant_eol, eol, find_all, key

HunkLines = tuple[tuple[str, bytes], ...]
"""A hunk's body: ``(op, text)`` with op ``' '``, ``'-'`` or ``'+'``."""


class Method(IntEnum):
    """How a hunk was placed, weakest anchor last; a rung allows every method up to its own."""

    RELOCATE = 1
    REDUCED_CONTEXT = 2
    SYMBOL = 3


@dataclass(frozen=True)
class Placement:
    """Where a (possibly trimmed, re-indented) hunk goes in the target's lines."""

    start: int
    """0-based index of the first target line the placed preimage covers."""
    lines: HunkLines
    """The hunk as placed."""
    method: Method

    @property
    def preimage_size(self) -> int:
        return sum(1 for op, _ in self.lines if op != "+")


@dataclass(frozen=True)
class Miss:
    """Why a hunk was not placed."""

    reason: str
    ambiguous: bool = False


def _edge(lines: HunkLines) -> tuple[int, int]:
    lead = next((i for i, (op, _) in enumerate(lines) if op != " "), len(lines))
    trail = next((i for i, (op, _) in enumerate(reversed(lines)) if op != " "), len(lines))
    return lead, trail


def search(
    lines: HunkLines,
    keys: list[bytes],
    method: Method,
    *,
    max_lead: int = 0,
    max_trail: int = 0,
    lo: int = 0,
    hi: int | None = None,
    keep_context: bool = True,
    keyfn: Callable[[bytes], bytes] = key,
) -> Placement | Miss:
    """Place ``lines`` in ``keys[lo:hi]``, trimming at most ``max_lead``/``max_trail``
    context lines (and, with ``keep_context``, never a side's last one); the unique-match
    rule decides at the first trim level that matches. ``keys`` are the target's lines
    through ``keyfn``, which the hunk's lines go through too."""
    lead, trail = _edge(lines)
    if lead == len(lines):
        return Miss("the hunk changes nothing")
    if keep_context:  # never trim a side bare: its last context line pins the change
        max_lead, max_trail = min(max(lead - 1, 0), max_lead), min(max(trail - 1, 0), max_trail)
    max_lead, max_trail = min(lead, max_lead), min(trail, max_trail)
    for level in range(max_lead + max_trail + 1):
        found: dict[int, Placement] = {}
        for cut_lead in range(max(0, level - max_trail), min(level, max_lead) + 1):
            cut_trail = level - cut_lead
            kept = lines[cut_lead : len(lines) - cut_trail]
            if not _anchored(kept, lead - cut_lead, trail - cut_trail, lead, trail):
                continue
            preimage = [keyfn(text) for op, text in kept if op != "+"]
            for start in find_all(keys, preimage, lo, hi):
                core = start + (lead - cut_lead)  # where the first changed line sits
                found.setdefault(core, Placement(start, kept, method))
        if len(found) == 1:
            placement = next(iter(found.values()))
            if _already_there(placement, keys, keyfn):
                return Miss(f"its postimage is already at line {placement.start + 1}")
            return placement
        if found:
            where = ", ".join(str(core + 1) for core in sorted(found)[:5])
            return Miss(f"preimage matches {len(found)} places (lines {where})", ambiguous=True)
    return Miss("preimage not found")


def _anchored(kept: HunkLines, kept_lead: int, kept_trail: int, lead: int, trail: int) -> bool:
    """A trimmed hunk still pins its change: it removes a line, or keeps context on each side
    where the original hunk had some."""
    if any(op == "-" for op, _ in kept):
        return True
    if lead == 0 and trail == 0:
        return False
    return (lead == 0 or kept_lead > 0) and (trail == 0 or kept_trail > 0)


def _already_there(
    placement: Placement, keys: list[bytes], keyfn: Callable[[bytes], bytes]
) -> bool:
    """A hunk that only adds lines, whose postimage already covers where its context was
    found: applying it would add the lines a second time."""
    if any(op == "-" for op, _ in placement.lines):
        return False  # its removed lines are still there, so it is not applied
    size = sum(1 for op, _ in placement.lines if op != "+")
    postimage = [keyfn(t) for op, t in placement.lines]
    lo = max(0, placement.start - len(postimage))
    hi = min(len(keys), placement.start + size + len(postimage))
    return any(
        at <= placement.start and at + len(postimage) >= placement.start + size
        for at in find_all(keys, postimage, lo, hi)
    )


def render(target: list[bytes], placements: list[Placement]) -> bytes | str:
    """The target with every placement applied, or why not (two hunks overlap).

    Context lines are the target's own bytes. Added lines are written as the diff has them
    when the matched preimage is byte-identical; otherwise (different line endings, trimmed
    or re-indented lines) they take the line ending of the target's lines where they land.
    """
    ordered = sorted(placements, key=lambda p: p.start)
    for before, after in itertools.pairwise(ordered):
        if before.start + before.preimage_size > after.start:
            return f"hunks overlap at line {after.start + 1}"
    default_eol = dominant_eol(target)
    out: list[bytes] = []
    cursor = 0
    for placement in ordered:
        out.extend(target[cursor : placement.start])
        index = placement.start
        matched = target[index : index + placement.preimage_size]
        exact = [t for op, t in placement.lines if op != "+"] == matched
        near = eol(matched[0]) if matched and eol(matched[0]) else default_eol
        end = index + placement.preimage_size
        for op, text in placement.lines:
            if op == " ":
                out.append(target[index])
                index += 1
            elif op == "-":
                index += 1
            elif exact:
                out.append(text)
            elif text.endswith(b"\n") or end < len(target):
                out.append(key(text) + near)
            else:
                out.append(text)  # no newline at the end of the file, as the diff says
        cursor = index
    out.extend(target[cursor:])
    return b"".join(out)
