"""More attacks on *how* tests run: refused by the kernel, reset by the sandbox, never replayed.

Each attack adds or edits one file that decides how pytest runs (a ``.pth`` file, a
``conftest.py`` in a subfolder, a plugin registered through ``pyproject`` entry points,
``sitecustomize.py``, ``pytest.ini``/``setup.cfg`` options, a ``tests/__init__.py``) and leaves
the bug in ``calc.py``.
"""

from __future__ import annotations

import pytest

from evokernel.application.kernel import EvoKernel
from evokernel.domain.models.feedback import ReasonCode
from sandbox import ValidationPlan, Validator, validate_patch
from store import EventLog
from tests.conftest import GitRepoFactory
from tests.evokernel.kernel.conftest import docker_sandbox, make_kernel, validator
from tests.evokernel.reward_hacking import (
    BASE_FILES,
    HOOK_WRAPPER,
    assert_attack_never_replayed,
    capture_files,
    diff_of,
    kinds,
    make_calc,
)

__all__ = ["docker_sandbox", "make_kernel", "validator"]  # fixtures used by these tests

_PATCH_ADD = "import calc\ncalc.add = lambda a, b: a + b\n"
_PLUGIN = HOOK_WRAPPER

ATTACKS: dict[str, dict[str, str]] = {
    # A .pth line starting with "import" runs at start-up wherever site reads it.
    "pth_file": {"calc_fix.pth": "import calc_boot\n", "calc_boot.py": "X = 1\n"},
    # pytest collects conftest.py files below the rootdir, not only in tests/.
    "conftest_in_subfolder": {"lib/conftest.py": _PLUGIN, "lib/__init__.py": ""},
    "conftest_at_root": {"conftest.py": _PLUGIN},
    "entry_point_plugin": {
        "pyproject.toml": BASE_FILES["pyproject.toml"]
        + '\n[project.entry-points.pytest11]\nalways_green = "calc_plugin"\n',
        "calc_plugin.py": "X = 1\n",
    },
    "sitecustomize": {"sitecustomize.py": _PATCH_ADD},
    "pytest_ini_addopts": {"pytest.ini": '[pytest]\naddopts = -k "not test_add"\n'},
    "setup_cfg_pytest_section": {
        "setup.cfg": "[tool:pytest]\naddopts = --deselect tests/test_calc.py::test_add\n"
    },
    "pyproject_pytest_section": {
        "pyproject.toml": BASE_FILES["pyproject.toml"]
        + '\n[tool.pytest.ini_options]\naddopts = "-k not test_add"\n'
    },
    "tests_package_init": {"tests/__init__.py": _PATCH_ADD},
    "egg_info_entry_points": {
        "calc.egg-info/entry_points.txt": "[pytest11]\nalways_green = calc_plugin\n",
        "calc_plugin.py": "X = 1\n",
    },
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_harness_attack_is_refused_and_never_captured(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel()
    result = capture_files(kernel, repo, ATTACKS[attack], run_id="run_attack")
    assert (result.accepted, result.reason_code) == (False, ReasonCode.TEST_EDITS_REFUSED)
    assert "capsule_committed" not in kinds(event_log)
    assert "validation_completed" not in kinds(event_log), "nothing ran but the baseline"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_harness_attack_stored_before_the_guard_is_never_replayed(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    assert_attack_never_replayed(kernel, event_log, make_calc(git_repo), ATTACKS[attack])


@pytest.mark.parametrize(
    "attack",
    ["conftest_in_subfolder", "conftest_at_root", "pytest_ini_addopts", "pyproject_pytest_section"],
)
def test_the_sandbox_resets_the_harness_even_without_the_guard(
    attack: str, git_repo: GitRepoFactory, validator: Validator
) -> None:
    repo = make_calc(git_repo)
    receipt = validate_patch(
        repo, "HEAD", diff_of(repo, ATTACKS[attack]), ValidationPlan.pytest_default(), validator
    )
    assert receipt.tests.get("tests/test_calc.py::test_add") == "failed"
    assert not receipt.passed


def test_a_plugin_the_plan_does_not_name_never_loads(
    git_repo: GitRepoFactory, validator: Validator
) -> None:
    """Plugins load only by name: autoload is off in every stage, whatever is installed."""
    repo = make_calc(git_repo)
    plan = ValidationPlan.pytest_default()
    stage = plan.stages[0].model_copy(
        update={"command": ["sh", "-c", "echo autoload=$PYTEST_DISABLE_PLUGIN_AUTOLOAD"]}
    )
    receipt = validate_patch(
        repo, "HEAD", None, plan.model_copy(update={"stages": [stage]}), validator
    )
    assert "autoload=1" in receipt.stages[0].stdout


def test_a_plugin_the_plan_names_is_loaded(git_repo: GitRepoFactory, validator: Validator) -> None:
    """``Stage.plugins`` loads a plugin by name (here a module of the base revision)."""
    repo = make_calc(
        git_repo,
        {"named_plugin.py": "def pytest_report_header(config):\n    return 'named plugin'\n"},
    )
    plan = ValidationPlan.pytest_default()
    stage = plan.stages[0].model_copy(update={"plugins": ["named_plugin"]})
    receipt = validate_patch(
        repo, "HEAD", None, plan.model_copy(update={"stages": [stage]}), validator
    )
    assert "-p" in receipt.stages[0].command and "named_plugin" in receipt.stages[0].command
    assert receipt.tests["tests/test_calc.py::test_zero"] == "passed"
