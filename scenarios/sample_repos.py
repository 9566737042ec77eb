"""Sample repositories for the scenarios.

The bundled shop repository lives in ``evokernel.samples`` (benchmarks use it too); scenario-
specific builders go here, next to the scenarios that use them.
"""

from __future__ import annotations

from evokernel import SampleRepo, build_shop, commit, git, unified_diff

__all__ = ["SampleRepo", "build_shop", "commit", "git", "unified_diff"]
