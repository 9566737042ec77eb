"""``run_doctor`` against the real engine: real checks, real read-back of limits."""

from __future__ import annotations

import uuid

import pytest

from sandbox.config import DEFAULT_IMAGE, DockerSandboxConfig, LocalSandboxConfig
from sandbox.docker.doctor import CheckStatus, run_doctor
from sandbox.models import Limits


@pytest.mark.docker
def test_ready_engine_reports_ok_with_version_image_and_limits_read_back(
    docker_engine: object,
) -> None:
    # Unusual limits, so a match cannot come from the engine's defaults.
    limits = Limits(memory_mb=300, pids=64, cpus=0.5)
    report = run_doctor(DockerSandboxConfig(limits=limits, pool_size=0))
    assert report.status is CheckStatus.OK, report.model_dump_json(indent=2)
    engine = report.check("engine")
    assert engine.details["version"] == docker_engine.version()["Version"]  # type: ignore[attr-defined]
    image = report.check("image")
    assert image.details["id"] == docker_engine.images.get(DEFAULT_IMAGE).id  # type: ignore[attr-defined]
    assert report.check("limit.memory").details["read_back"] == str(300 * 1024 * 1024)
    assert report.check("limit.pids").details["read_back"] == "64"
    assert report.check("limit.cpu").details["read_back"] == "0.5"
    assert report.check("pool").status is CheckStatus.SKIPPED


def test_unreachable_engine_is_failing_with_a_reason() -> None:
    report = run_doctor(DockerSandboxConfig(base_url="unix:///nonexistent.sock"))
    assert report.status is CheckStatus.FAILING
    engine = report.check("engine")
    assert engine.status is CheckStatus.FAILING
    assert "/nonexistent.sock" in engine.reason
    assert all(
        check.status is CheckStatus.SKIPPED and check.reason
        for check in report.checks
        if check.name != "engine"
    )


@pytest.mark.docker
def test_absent_image_is_failing_and_says_how_to_build_it(docker_engine: object) -> None:
    config = DockerSandboxConfig(image=f"evokernel/sandbox-python:absent-{uuid.uuid4().hex[:8]}")
    report = run_doctor(config)
    assert report.status is CheckStatus.FAILING
    assert report.check("image").status is CheckStatus.FAILING
    assert "evokernel sandbox build-image" in report.check("image").reason
    # Limits are still checked against the engine's claims, but not read back.
    memory = report.check("limit.memory")
    assert memory.status is CheckStatus.OK and memory.details["read_back"] is None


@pytest.mark.docker
def test_session_that_cannot_start_makes_the_limits_failing(docker_engine: object) -> None:
    # A configuration file refuses root (#14); one built in code without validation reaches
    # the backend, which refuses to start the session: the doctor must say so.
    report = run_doctor(DockerSandboxConfig.model_construct(user="0:0"))
    assert report.status is CheckStatus.FAILING
    memory = report.check("limit.memory")
    assert memory.status is CheckStatus.FAILING
    assert "could not start" in memory.reason and "root" in memory.reason


@pytest.mark.docker
def test_running_sandbox_reports_its_warm_pool(docker_engine: object) -> None:
    from sandbox.docker import DockerSandbox

    config = DockerSandboxConfig(pool_size=1)
    with DockerSandbox(config) as sandbox:
        assert sandbox.wait_until_warm(timeout_s=300), "the pool never warmed"
        report = run_doctor(config, sandbox)
    pool = report.check("pool")
    assert pool.status is CheckStatus.OK
    assert pool.details[f"idle[{DEFAULT_IMAGE}]"] == 1


def test_local_backend_is_degraded_because_it_does_not_isolate() -> None:
    report = run_doctor(LocalSandboxConfig())
    assert report.status is CheckStatus.DEGRADED
    assert "does not isolate" in report.check("backend").reason


def test_unknown_check_name_is_a_key_error() -> None:
    report = run_doctor(LocalSandboxConfig())
    with pytest.raises(KeyError):
        report.check("nope")
