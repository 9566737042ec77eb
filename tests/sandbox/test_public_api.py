"""``sandbox.__all__`` is sorted and names exactly the public names the package exports."""

from __future__ import annotations

import types

import sandbox


def test_all_is_sorted_and_complete() -> None:
    assert sandbox.__all__ == sorted(sandbox.__all__)
    public = {
        name
        for name, value in vars(sandbox).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert set(sandbox.__all__) == public


def test_every_exported_name_resolves() -> None:
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None, name
