"""With Docker the run happens in the container's copy: what it changed is read from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Stage, StageKind, ValidationPlan, Validator, Verdict, validate_patch
from sandbox.docker import DockerSandbox
from tests.sandbox.conftest import CALC_FIX

pytestmark = pytest.mark.docker

PYTEST = Stage(name="pytest", command=["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"])


@pytest.fixture
def sandbox(docker_sandbox_each_transfer: DockerSandbox) -> DockerSandbox:
    """Each test here runs in both transfer modes."""
    return docker_sandbox_each_transfer


def test_files_the_run_changed_in_the_container_are_reported(
    sandbox: DockerSandbox, calc_repo: Path
) -> None:
    script = "echo '# generated' >> calc.py && rm pytest.ini && touch new-file.txt"
    gen = Stage(name="gen", command=["sh", "-c", script], kind=StageKind.BUILD)
    plan = ValidationPlan(stages=[gen, PYTEST])
    receipt = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, Validator(sandbox))
    assert receipt.verdict is Verdict.PASS, receipt.reason
    # Modified and deleted files are reported; files the run created are not.
    assert receipt.files_changed_by_run == ["calc.py", "pytest.ini"]


def test_a_run_that_changes_nothing_reports_nothing(
    sandbox: DockerSandbox, calc_repo: Path
) -> None:
    receipt = validate_patch(
        calc_repo, "HEAD", CALC_FIX, ValidationPlan(stages=[PYTEST]), Validator(sandbox)
    )
    assert receipt.verdict is Verdict.PASS, receipt.reason
    assert receipt.files_changed_by_run == []
