"""Path globs with ``**`` (Python 3.11 has no ``PurePath.full_match``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evokernel.domain.globs import glob_match, match_any


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("src/x.py", "src/**/x.py", True),
        ("src/a/b/x.py", "src/**/x.py", True),
        ("docs/a/b.md", "docs/**", True),
        ("docs", "docs/**", False),
        ("a/conftest.py", "conftest.py", True),
        ("tests/test_a.py", "tests/**", True),
        ("pkg/tests/test_a.py", "tests/**", False),
        ("pkg/tests/test_a.py", "**/tests/**", True),
        ("x/test_foo.py", "test_*.py", True),
        ("x/foo_test.py", "*_test.py", True),
        ("a/b/c.py", "a/*", True),  # a/b matches, and a matched directory covers its files
        ("a/b.py", "a/*", True),
        ("a/b.py", "[ab]/b.py", True),
        ("c/b.py", "[!ab]/b.py", True),
        ("a/b.py", "[!ab]/b.py", False),
        ("a/b.py", "/a/b.py", True),
        ("b/a/b.py", "/a/b.py", False),
        ("build/out/x.o", "build/", True),
        ("a.py", "?.py", True),
        ("ab.py", "?.py", False),
        ("./a/b.py", "a/b.py", True),
        ("a+b(1).py", "a+b(1).py", True),
    ],
)
def test_glob_semantics(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


@pytest.mark.parametrize(
    ("path", "pattern"),
    [("src/abc.py", "src/a"), ("foo.pyc", "*.py"), ("secrets_x/db.txt", "secrets")],
)
def test_a_pattern_matches_whole_segments_not_a_prefix(path: str, pattern: str) -> None:
    """Same meaning as the sandbox's patch policy: a match covers the whole path."""
    assert not glob_match(path, pattern)


def test_match_any_returns_the_first_matching_pattern() -> None:
    assert match_any("a/b.lock", ["*.py", "*.lock", "a/**"]) == "*.lock"
    assert match_any("a/b.txt", ["*.py"]) is None


_SEGMENT = st.text(alphabet="abcxyz019_.-+() ", min_size=1, max_size=8).filter(
    lambda s: s not in {".", ".."}
)
_PATH = st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join)


@given(_PATH)
def test_double_star_matches_every_path_and_a_path_matches_itself(path: str) -> None:
    assert glob_match(path, "**")
    assert glob_match(path, path)
    assert glob_match(path, "**/" + path.rsplit("/", 1)[-1])
