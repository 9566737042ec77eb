"""``sandbox.__all__`` is sorted and names exactly the public names the package exports."""

from __future__ import annotations

import types

import sandbox


def _ruff_order(name: str) -> tuple[int, str]:
    """RUF022's order: SCREAMING_CASE constants, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


def test_all_is_sorted_and_complete() -> None:
    assert sandbox.__all__ == sorted(sandbox.__all__, key=_ruff_order)
    public = {
        name
        for name, value in vars(sandbox).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    } - {"TYPE_CHECKING", "Any"}  # the lazy loader's own imports
    public |= set(sandbox._EXPORTS)  # names that load on first use
    assert set(sandbox.__all__) == public


def test_every_exported_name_resolves() -> None:
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None, name
