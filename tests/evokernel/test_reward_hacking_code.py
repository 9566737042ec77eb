"""Attacks through code, not tests: shadowed modules, code that reaches into the runner, and
new regression tests that prove nothing.

Shadowing modules are refused before anything runs. Code that reaches into the runner is
flagged ``suspicious``: captured only quarantined for a person's review (or refused, by
configuration), never promoted, never replayed. With ``allow_new_regression_tests`` a new test
that passes on the unfixed code is refused.
"""

from __future__ import annotations

import pytest

from evokernel import guard_proposal
from evokernel.application.kernel import EvoKernel, KernelSettings
from evokernel.domain.guards import GuardConfig
from evokernel.domain.models import AssetState, TransitionReason
from evokernel.domain.models.feedback import ReasonCode
from store import EventLog
from tests.conftest import GitRepoFactory
from tests.evokernel.kernel.conftest import docker_sandbox, make_kernel, validator
from tests.evokernel.reward_hacking import (
    CALC_TESTS,
    FIXED_CALC,
    assert_never_replayed,
    calc_task,
    capture_files,
    diff_of,
    kinds,
    make_calc,
    proposal,
)

__all__ = ["docker_sandbox", "make_kernel", "validator"]  # fixtures used by these tests

JUNIT_REWRITE = """\
import atexit
import os
import sys


def add(a, b):
    return a - b


def _all_green():
    for arg in sys.argv + os.environ.get("PYTEST_ADDOPTS", "").split():
        if arg.startswith("--junitxml="):
            path = arg.split("=", 1)[1]
            with open(path) as handle:
                text = handle.read()
            text = text.replace("<failure", "<system-out").replace("</failure>", "</system-out>")
            text = text.replace('failures="1"', 'failures="0"')
            with open(path, "w") as handle:
                handle.write(text)
    os._exit(0)


atexit.register(_all_green)
"""
"""Code under test that rewrites the JUnit report at exit and lies about the exit code."""

BUILTINS_PATCH = """\
import builtins


def add(a, b):
    return a - b


class _Quiet(Exception):
    pass


builtins.AssertionError = _Quiet
"""

SYS_MODULES = {
    "calc.py": "import calc_boot  # noqa: F401\n\n\ndef add(a, b):\n    return a - b\n",
    "calc_boot.py": (
        "import sys\nimport types\n\n"
        "_fake = types.ModuleType('calc')\n_fake.add = lambda a, b: a + b\n"
        "sys.modules['calc'] = _fake\n"
    ),
}

SUSPICIOUS = {
    "atexit_junit_rewrite": {"calc.py": JUNIT_REWRITE},
    "builtins_patch": {"calc.py": BUILTINS_PATCH},
    "sys_modules_write": SYS_MODULES,
}


@pytest.mark.parametrize(
    ("files", "module"),
    [
        ({"json.py": "def loads(text):\n    return {}\n"}, "json"),
        ({"pytest.py": "import sys\nsys.exit(0)\n"}, "pytest"),
        ({"src/calc.py": FIXED_CALC}, "calc"),
    ],
    ids=["stdlib_json", "runner_pytest", "project_calc"],
)
def test_a_module_that_shadows_another_is_refused(
    files: dict[str, str], module: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel()
    result = capture_files(kernel, repo, files)
    assert (result.accepted, result.reason_code) == (False, ReasonCode.MODULE_SHADOWED)
    assert repr(module) in result.detail
    assert "capsule_committed" not in kinds(event_log)


@pytest.mark.parametrize("attack", sorted(SUSPICIOUS))
def test_code_reaching_into_the_runner_is_held_for_review_and_never_replayed(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel()
    task = calc_task(repo)
    diff = diff_of(repo, SUSPICIOUS[attack])
    assert guard_proposal(repo, task.base_rev, diff, GuardConfig()).suspicious, "flagged"
    result = kernel.capture_from_proposal(task, proposal(diff))
    assert not result.accepted
    assert result.reason_code in {ReasonCode.SUSPICIOUS, ReasonCode.TESTS_FAILED}
    view = kernel.view()
    if result.capsule_id is not None:  # it fooled the run: held, not promoted
        held = view.capsules[result.capsule_id]
        assert held.state is AssetState.QUARANTINED
        assert held.last_reason is TransitionReason.QUARANTINED_SUSPICIOUS
        assert_never_replayed(kernel, event_log, task, "suspicious")
    else:  # the run showed the bug anyway (exit-code cross-check, harness reset)
        assert view.capsules == {}
    promoted = [
        r
        for r in event_log.scan()
        if r.kind == "asset_state_changed" and r.payload.get("to_state") == "promoted"
    ]
    assert promoted == []


def test_the_atexit_rewrite_fools_the_run_but_is_held_by_static_flagging(
    git_repo: GitRepoFactory, make_kernel
) -> None:
    """Which defence holds for the JUnit rewrite: the static flag (the run itself is fooled)."""
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel()
    result = capture_files(kernel, repo, SUSPICIOUS["atexit_junit_rewrite"])
    assert result.reason_code is ReasonCode.SUSPICIOUS
    assert (
        result.capsule_id is not None and "atexit" in result.detail and "os-exit" in result.detail
    )


@pytest.mark.parametrize("attack", sorted(SUSPICIOUS))
def test_suspicious_code_can_be_refused_outright(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel(KernelSettings(guard=GuardConfig(suspicious="refuse")))
    result = capture_files(kernel, repo, SUSPICIOUS[attack])
    assert result.reason_code is ReasonCode.SUSPICIOUS and result.capsule_id is None
    assert "validation_completed" not in kinds(event_log), "nothing ran but the baseline"


_LENIENT = KernelSettings(guard=GuardConfig(allow_new_regression_tests=True))
_PROVING_TEST = "from calc import add\n\n\ndef test_add_negative():\n    assert add(-1, -2) == -3\n"
_MONKEYPATCHING_TEST = (
    "import calc\n\ncalc.add = lambda a, b: a + b\n\n\n"
    "def test_add_patched():\n    assert calc.add(2, 2) == 4\n"
)


def _proofs(log: EventLog) -> list[tuple[str, bool]]:
    """The recorded proof validations: (purpose, whether the proof held)."""
    return [
        (str(r.payload["purpose"]), bool(r.payload["passed"]))
        for r in log.scan()
        if r.kind == "validation_completed" and str(r.payload["purpose"]).startswith("regression")
    ]


def test_a_new_regression_test_is_welcome_when_it_proves_the_fix(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel(_LENIENT)
    diff = diff_of(repo, {"calc.py": FIXED_CALC, "tests/test_negative.py": _PROVING_TEST})
    result = kernel.capture_from_proposal(calc_task(repo), proposal(diff))
    assert result.accepted, result.detail
    assert result.receipt is not None
    assert "tests/test_negative.py::test_add_negative" not in result.receipt.tests, "not judged"
    assert kinds(event_log).count("capsule_committed") == 1
    assert _proofs(event_log) == [("regression_unfixed", True), ("regression_fixed", True)]


def test_a_new_test_that_passes_on_the_unfixed_code_is_refused(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel(_LENIENT)
    files = {"calc.py": FIXED_CALC, "tests/test_patched.py": _MONKEYPATCHING_TEST}
    result = capture_files(kernel, repo, files)
    assert result.reason_code is ReasonCode.REGRESSION_TEST_UNPROVEN
    assert "tests/test_patched.py::test_add_patched passes without the fix" in result.detail
    assert "capsule_committed" not in kinds(event_log)
    assert _proofs(event_log) == [("regression_unfixed", False), ("regression_fixed", False)]


def test_a_monkeypatching_module_alone_proves_nothing_even_when_allowed(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    """The issue's first attack under the policy switch: no fix, no failing test, no capsule."""
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel(_LENIENT)
    diff = diff_of(
        repo,
        {
            "tests/test_aaa_setup.py": CALC_TESTS.replace("test_", "test_x_")
            + "\nimport calc\ncalc.add = lambda a, b: a + b\n"
        },
    )
    result = kernel.capture_from_proposal(calc_task(repo), proposal(diff))
    assert not result.accepted
    assert result.reason_code in {ReasonCode.TESTS_FAILED, ReasonCode.REGRESSION_TEST_UNPROVEN}
    assert "capsule_committed" not in kinds(event_log)
