"""Sample repositories for the scenarios, and the scripted agent that knows their fixes.

The bundled shop repository lives in ``evokernel.demo.repos`` (benchmarks use it too); scenario-
specific builders go here, next to the scenarios that use them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from evokernel import (
    ScriptedAgent,
    ScriptedRule,
)
from evokernel.demo.repos import SampleRepo, build_shop, commit, git, unified_diff

__all__ = [
    "SHOP_BUGS",
    "SampleRepo",
    "build_shop",
    "commit",
    "fix_rule",
    "git",
    "shop_agent",
    "shop_workspace",
    "unified_diff",
]

SHOP_BUGS = {
    "cart": (
        "tests/test_cart.py::test_total_with_discount",
        "apply the discount as a fraction of the subtotal",
    ),
    "slug": ("tests/test_slug.py::test_slugify_lowercases", "lower-case slugs"),
}
"""The shop's bugs: the test that fails on each, and what its fix does."""


def fix_rule(failing_test: str, diff: str, intent: str) -> ScriptedRule:
    """A scripted agent's rule: answer ``diff`` when ``failing_test`` is among the signals."""
    return ScriptedRule(signals_include=[f"test-failed:{failing_test}"], diff=diff, intent=intent)


def shop_agent(shop: SampleRepo, bugs: Sequence[str] = ("cart", "slug")) -> ScriptedAgent:
    """A scripted agent that knows the shop's fix for each of ``bugs``, keyed by its failing
    test (what a real agent would propose)."""
    return ScriptedAgent.from_rules(
        [fix_rule(SHOP_BUGS[bug][0], shop.fixes[bug], SHOP_BUGS[bug][1]) for bug in bugs]
    )


@contextmanager
def shop_workspace(
    name: str, workdir: Path | None, bugs: Sequence[str] = ("cart", "slug")
) -> Iterator[tuple[Path, SampleRepo, ScriptedAgent]]:
    """A scenario's scratch folder (removed on exit) with the shop built in ``root / "shop"``.

    Yields:
        The folder, the shop, and the scripted agent that knows the fixes of ``bugs``.
    """
    with tempfile.TemporaryDirectory(prefix=f"evokernel-{name}-", dir=workdir) as tmp:
        root = Path(tmp)
        shop = build_shop(root / "shop")
        yield root, shop, shop_agent(shop, bugs)
