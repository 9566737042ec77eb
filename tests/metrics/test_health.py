"""/healthz checks: the store's tail, the engine, the image; each a status with a reason."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from evokernel.application.metrics import HealthStatus, check_health, check_sandbox, check_store
from sandbox import DockerSandboxConfig, LocalSandboxConfig
from store import EventLog
from tests.evokernel.samples import fill_store, mixed_stream

UNREACHABLE = DockerSandboxConfig(base_url="unix:///nonexistent/evokernel-test/docker.sock")
"""An engine address where nothing listens (the real engine is never stopped by tests)."""


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return fill_store(tmp_path / "store", mixed_stream(120))


def _rewrite_line(directory: Path, index: int, change: dict[str, object]) -> None:
    """Change fields of one stored line, keeping it valid JSON (a silent corruption)."""
    path = directory / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    record = orjson.loads(lines[index])
    record.update(change)
    lines[index] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(b"".join(lines))


def test_a_sound_store_verifies_its_tail(store_dir: Path) -> None:
    check = check_store(store_dir, tail=16)

    assert check.status is HealthStatus.OK
    assert check.details == {"last_seq": 120, "verified": 16}


def test_an_empty_store_is_ok(tmp_path: Path) -> None:
    EventLog.open(tmp_path / "store").close()

    assert check_store(tmp_path / "store").status is HealthStatus.OK


def test_a_record_whose_content_was_changed_fails_the_check(store_dir: Path) -> None:
    _rewrite_line(store_dir, -1, {"kind": "task_received_tampered"})

    check = check_store(store_dir)

    assert check.status is HealthStatus.FAILING
    assert check.details["seq"] == 120 and "hash" in check.reason


def test_a_broken_link_in_the_tail_fails_the_check(store_dir: Path) -> None:
    _rewrite_line(store_dir, -5, {"prev_hash": "0" * 64})

    check = check_store(store_dir)

    assert check.status is HealthStatus.FAILING
    assert check.details["seq"] == 116


def test_a_missing_store_fails(tmp_path: Path) -> None:
    assert check_store(tmp_path / "nothing").status is HealthStatus.FAILING


def test_a_torn_tail_is_degraded_and_left_in_place(store_dir: Path) -> None:
    log_file = store_dir / "events.jsonl"
    with log_file.open("ab") as handle:
        handle.write(b'{"hash":"ab')  # a write cut short by a crash
    before = log_file.read_bytes()

    check = check_store(store_dir)

    assert check.status is HealthStatus.DEGRADED
    assert check.details["torn_tail_bytes"] == 11
    assert log_file.read_bytes() == before  # reads never write: the writer moves it aside
    assert not (store_dir / "torn").exists()


def test_an_unreachable_engine_is_degraded_with_the_reason() -> None:
    engine, image = check_sandbox(UNREACHABLE)

    assert (engine.name, engine.status) == ("engine", HealthStatus.DEGRADED)
    assert "nonexistent" in engine.reason
    assert image.status is HealthStatus.DEGRADED and "not checked" in image.reason


def test_the_local_backend_is_degraded_because_it_does_not_isolate() -> None:
    [check] = check_sandbox(LocalSandboxConfig())

    assert check.status is HealthStatus.DEGRADED and "isolate" in check.reason


def test_the_report_is_the_worst_check_with_its_http_status(store_dir: Path) -> None:
    degraded = check_health(store_dir, UNREACHABLE)
    _rewrite_line(store_dir, -1, {"ts": "2000-01-01T00:00:00.000000Z"})
    failing = check_health(store_dir, UNREACHABLE)

    assert (degraded.status, degraded.http_status) == (HealthStatus.DEGRADED, 200)
    assert [c.name for c in degraded.checks] == ["store", "engine", "image"]
    assert (failing.status, failing.http_status) == (HealthStatus.FAILING, 503)


@pytest.mark.docker
def test_with_the_real_engine_and_image_everything_is_ok(
    store_dir: Path, docker_engine: object
) -> None:
    report = check_health(store_dir, DockerSandboxConfig())

    assert report.status is HealthStatus.OK, report
    assert report.http_status == 200


@pytest.mark.docker
def test_a_missing_image_is_degraded(docker_engine: object) -> None:
    _engine, image = check_sandbox(DockerSandboxConfig(image="evokernel/no-such-image:0.0.0"))

    assert image.status is HealthStatus.DEGRADED
    assert "build-image" in image.reason
