"""The workspace disk cap: writing past it is an infra failure ``disk_quota``, the host disk is
untouched, nothing is left behind, and a normal validation still passes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import (
    DockerSandboxConfig,
    FailureClass,
    Stage,
    StageKind,
    ValidationPlan,
    Validator,
    Verdict,
    validate_patch,
)
from sandbox.docker import DockerSandbox
from tests.conftest import GitRepoFactory
from tests.sandbox.conftest import CALC_FIX
from tests.sandbox.docker_support import SUITE_RUN_ID

pytestmark = pytest.mark.docker

CAP_BYTES = 8 * 1024 * 1024
CAP_FILES = 500
HOST_BOUND = 256 * 1024 * 1024
"""How much the host's free space may move meanwhile (other work shares the disk)."""

PYTEST_STAGE = Stage(
    name="pytest", command=["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
)
WRITE_64_MB = Stage(
    name="flood",
    kind=StageKind.BUILD,
    command=["sh", "-c", "dd if=/dev/zero of=big bs=1M count=64; exit 0"],
)
MANY_FILES = Stage(
    name="files",
    kind=StageKind.BUILD,
    command=["python3", "-c", "[open(f'f{i}', 'w').close() for i in range(5000)]"],
)


@pytest.fixture(params=["bind", "archive"], scope="module")
def capped(request: pytest.FixtureRequest, docker_engine: object) -> Iterator[DockerSandbox]:
    """A backend whose workspaces hold 8 MiB and 500 files beyond their own content."""
    config = DockerSandboxConfig(
        transfer=request.param, pool_size=1, disk_bytes=CAP_BYTES, disk_files=CAP_FILES
    )
    backend = DockerSandbox(config, run_id=SUITE_RUN_ID)
    assert backend.transfer_mode == request.param
    root = getattr(backend._transfer, "root", None)
    yield backend
    backend.close()
    # Nothing is left behind: no slot directory, no mount.
    assert root is None or not Path(root).exists(), f"slot root {root} left behind"
    mounts = Path("/proc/self/mountinfo").read_text()
    assert root is None or str(root) not in mounts


def host_free(path: Path) -> int:
    return shutil.disk_usage(path).free


def test_writing_past_the_byte_cap_is_a_disk_quota_infra_failure(
    capped: DockerSandbox, calc_repo: Path
) -> None:
    before = host_free(calc_repo)
    plan = ValidationPlan(stages=[WRITE_64_MB, PYTEST_STAGE])
    receipt = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, Validator(capped))
    assert (receipt.verdict, receipt.failure_class) == (Verdict.ERROR, FailureClass.INFRA)
    assert (receipt.reason_code, receipt.failed_stage) == ("disk_quota", "flood")
    assert receipt.stages[0].disk_quota_reached
    assert "No space left on device" in receipt.stages[0].stderr
    assert host_free(calc_repo) > before - HOST_BOUND


def test_creating_too_many_files_is_a_disk_quota_infra_failure(
    capped: DockerSandbox, calc_repo: Path
) -> None:
    plan = ValidationPlan(stages=[MANY_FILES, PYTEST_STAGE])
    receipt = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, Validator(capped))
    assert (receipt.verdict, receipt.failure_class) == (Verdict.ERROR, FailureClass.INFRA)
    assert receipt.reason_code == "disk_quota"
    assert "No space left on device" in receipt.stages[0].stderr


def test_a_normal_validation_passes_under_the_cap(capped: DockerSandbox, calc_repo: Path) -> None:
    plan = ValidationPlan(stages=[PYTEST_STAGE])
    receipt = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, Validator(capped))
    assert receipt.verdict is Verdict.PASS, receipt.reason
    assert not receipt.stages[0].disk_quota_reached


@pytest.mark.parametrize("capped", ["bind"], indirect=True)
def test_a_workspace_larger_than_the_cap_still_fits_in_bind_mode(
    capped: DockerSandbox, git_repo: GitRepoFactory
) -> None:
    """The copied-in tree does not count against the cap when the slot can be re-sized (the
    archive volume's cap includes the copy, as documented)."""
    files = {f"data/blob{i}.txt": "x" * 1024 * 1024 for i in range(12)}  # 12 MiB > 8 MiB cap
    files["tests/test_ok.py"] = "def test_ok():\n    assert True\n"
    repo = git_repo(files)
    receipt = validate_patch(
        repo, "HEAD", None, ValidationPlan(stages=[PYTEST_STAGE]), Validator(capped)
    )
    assert receipt.verdict is Verdict.PASS, receipt.reason
