"""The content rungs of the apply ladder: relocate, reduced context, symbol-anchored.

``git apply`` anchors a hunk by its header's line numbers and pins a hunk at line 1 to the
start of the file; these rungs anchor by content instead, over the diff parsed once
(``sandbox.parse_patch``), in Python, writing nothing until every file has all its hunks.
"""

from __future__ import annotations

from sandbox.reanchor.place import Method
from sandbox.reanchor.rung import RungOutcome, already_applied, apply_rung
from sandbox.reanchor.tree import Tree

__all__ = ["Method", "RungOutcome", "Tree", "already_applied", "apply_rung"]
