"""Bundled sample repositories, built at run time: real git history, real failing tests.

Each builder writes files into a fresh directory, commits them, and returns a ``SampleRepo``
with the revisions a scenario needs. Nothing is downloaded; everything is deterministic.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CART_BUGGY",
    "CART_FIXED",
    "CART_TESTS",
    "SLUG",
    "SLUG_FIXED",
    "SLUG_TESTS",
    "SampleRepo",
    "build_shop",
    "commit",
    "git",
    "unified_diff",
]

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "EvoKernel Scenario",
    "GIT_AUTHOR_EMAIL": "scenario@evokernel.invalid",
    "GIT_COMMITTER_NAME": "EvoKernel Scenario",
    "GIT_COMMITTER_EMAIL": "scenario@evokernel.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stripped stdout."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo), **_GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    """Write ``files`` (path -> text) into ``repo``, commit, return the new sha."""
    for rel, text in files.items():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@dataclass
class SampleRepo:
    """A sample repository and the named revisions a scenario uses."""

    path: Path
    revs: dict[str, str] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    """Known-good diffs by bug name (what a scripted agent would propose)."""


CART_BUGGY = '''"""A tiny shopping cart."""


def total(prices, discount=0.0):
    """Sum the prices, then apply a fractional discount."""
    subtotal = sum(prices)
    return round(subtotal - discount, 2)
'''

CART_FIXED = CART_BUGGY.replace(
    "return round(subtotal - discount, 2)", "return round(subtotal * (1 - discount), 2)"
)

CART_TESTS = """from shop.cart import total


def test_total_without_discount():
    assert total([1.0, 2.0]) == 3.0


def test_total_with_discount():
    assert total([10.0, 10.0], discount=0.25) == 15.0
"""

SLUG = '''"""URL slugs."""


def slugify(text):
    """Lower-case words joined by hyphens."""
    return "-".join(text.split())
'''

SLUG_FIXED = SLUG.replace('return "-".join(text.split())', 'return "-".join(text.lower().split())')

SLUG_TESTS = """from shop.slug import slugify


def test_slugify_lowercases():
    assert slugify("Hello World") == "hello-world"
"""

_MOVED_HEADER = '''"""A tiny shopping cart."""

CURRENCY = "EUR"


def describe(prices):
    """Human-readable summary of a cart."""
    return f"{len(prices)} items in {CURRENCY}"
'''


def unified_diff(repo: Path, path: str, new_text: str) -> str:
    """The ``git diff`` that turns ``path``'s committed text into ``new_text`` (tree untouched)."""
    target = repo / path
    old = target.read_text()
    target.write_text(new_text)
    try:
        return git(repo, "diff", "--", path) + "\n"
    finally:
        target.write_text(old)


def build_shop(root: Path) -> SampleRepo:
    """The capture/replay sample: a cart bug on ``main``, the same bug on a branch where the
    code has moved, and an unrelated slug bug on a third branch.

    Revisions: ``cart_bug`` (main), ``cart_bug_moved`` (branch ``moved``), ``slug_bug``
    (branch ``slug``). Fixes: ``cart``, ``cart_moved``, ``slug``.
    """
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    sample = SampleRepo(path=root)
    commit(root, {"shop/__init__.py": "", "README.md": "# shop\n"}, "skeleton")
    sample.revs["cart_bug"] = commit(
        root, {"shop/cart.py": CART_BUGGY, "tests/test_cart.py": CART_TESTS}, "cart with discount"
    )
    sample.fixes["cart"] = unified_diff(root, "shop/cart.py", CART_FIXED)

    git(root, "checkout", "-q", "-b", "moved")
    moved = CART_BUGGY.replace('"""A tiny shopping cart."""\n', _MOVED_HEADER)
    sample.revs["cart_bug_moved"] = commit(root, {"shop/cart.py": moved}, "describe() added above")
    sample.fixes["cart_moved"] = unified_diff(
        root, "shop/cart.py", moved.replace("subtotal - discount", "subtotal * (1 - discount)")
    )

    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "-b", "slug")
    fixed_cart = {"shop/cart.py": CART_FIXED}
    commit(root, fixed_cart, "cart fixed upstream")
    sample.revs["slug_bug"] = commit(
        root, {"shop/slug.py": SLUG, "tests/test_slug.py": SLUG_TESTS}, "slugs"
    )
    sample.fixes["slug"] = unified_diff(root, "shop/slug.py", SLUG_FIXED)
    git(root, "checkout", "-q", "main")
    return sample
