"""``__all__`` of the adapter and of the server package is complete and sorted (ruff's order)."""

from __future__ import annotations

import types

import pytest

import evokernel.adapters.github
import scenarios.github_server
from tests.test_meta import isort_key


@pytest.mark.parametrize("package", [evokernel.adapters.github, scenarios.github_server])
def test_all_lists_every_public_name_sorted(package: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert sorted(package.__all__, key=isort_key) == package.__all__
    assert set(package.__all__) == public
