"""The node app: /metrics and /healthz open to probes, the node API behind the bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from evokernel.adapters.network import NodeIdentity, network_routes, open_node_api
from evokernel.adapters.server import build_app
from evokernel.application.metrics import SandboxLatency
from sandbox import DockerSandboxConfig, LocalSandboxConfig
from tests.evokernel.samples import fill_store, mixed_stream
from tests.tampering import tamper

TOKEN = "correct-horse-battery-staple"
UNREACHABLE = DockerSandboxConfig(base_url="unix:///nonexistent/evokernel-test/docker.sock")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    directory = fill_store(tmp_path / "store", mixed_stream(80))
    NodeIdentity.generate().save(directory / "node")
    return directory


@pytest.fixture
def client(store_dir: Path) -> Iterator[TestClient]:
    routes = network_routes(open_node_api(store_dir, TOKEN))
    app = build_app(store_dir, LocalSandboxConfig(), routes=routes, latency=SandboxLatency())
    with TestClient(app) as test_client:
        yield test_client


def _lookups(text: str) -> float:
    return next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "evokernel_replay_lookups_total"
    )


def test_metrics_need_no_token_and_follow_new_records(client: TestClient, store_dir: Path) -> None:
    first = client.get("/metrics")
    fill_store(store_dir, mixed_stream(200)[80:])
    second = client.get("/metrics")

    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "evokernel_store_last_seq 80.0" in first.text
    assert "evokernel_store_last_seq 200.0" in second.text
    assert _lookups(second.text) >= _lookups(first.text)
    assert "evokernel_sandbox_start_seconds_count 0.0" in second.text


def test_healthz_answers_the_report_with_its_status(client: TestClient) -> None:
    response = client.get("/healthz")

    body = orjson.loads(response.content)
    assert response.status_code == 200
    assert body["status"] == "degraded"  # the local backend does not isolate
    assert [c["name"] for c in body["checks"]] == ["store", "sandbox"]


def test_healthz_is_degraded_when_the_engine_is_unreachable(store_dir: Path) -> None:
    with TestClient(build_app(store_dir, UNREACHABLE)) as client:
        response = client.get("/healthz")

    body = orjson.loads(response.content)
    assert response.status_code == 200 and body["status"] == "degraded"
    engine = next(c for c in body["checks"] if c["name"] == "engine")
    assert engine["status"] == "degraded" and "nonexistent" in engine["reason"]


def test_healthz_is_failing_with_503_when_the_store_tail_is_corrupt(store_dir: Path) -> None:
    tamper(store_dir, -2)

    with TestClient(build_app(store_dir, LocalSandboxConfig())) as client:
        response = client.get("/healthz")

    body = orjson.loads(response.content)
    assert response.status_code == 503 and body["status"] == "failing"
    assert body["checks"][0]["details"]["seq"] == 79


def test_metrics_answer_with_the_health_gauge_at_0_when_there_is_no_store(
    tmp_path: Path,
) -> None:
    with TestClient(build_app(tmp_path / "nothing", LocalSandboxConfig())) as client:
        response = client.get("/metrics")

    assert response.status_code == 200
    assert _sample(response.text, "evokernel_store_healthy") == 0
    assert "evokernel_tasks_total" not in response.text  # no counters that read as a reset


def test_a_tampered_last_record_fails_health_and_marks_metrics(store_dir: Path) -> None:
    """A complete last line with its hash key renamed is corruption, not a torn tail."""
    path = store_dir / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'{"hash":', b'{"hash_":', 1)
    path.write_bytes(b"".join(lines))
    damaged = path.read_bytes()

    with TestClient(build_app(store_dir, LocalSandboxConfig())) as client:
        health = client.get("/healthz")
        metrics = client.get("/metrics")

    body = orjson.loads(health.content)
    assert health.status_code == 503 and body["status"] == "failing"
    assert body["checks"][0]["name"] == "store" and body["checks"][0]["status"] == "failing"
    assert metrics.status_code == 200
    assert _sample(metrics.text, "evokernel_store_healthy") == 0
    assert path.read_bytes() == damaged


def test_a_sound_store_reports_the_health_gauge_at_1(client: TestClient) -> None:
    assert _sample(client.get("/metrics").text, "evokernel_store_healthy") == 1


def _sample(text: str, name: str) -> float:
    return next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/network/fetch"), ("POST", "/v1/network/publish"), ("POST", "/v1/network/revoke")],
)
def test_the_node_api_refuses_requests_without_the_token(
    client: TestClient, store_dir: Path, method: str, path: str
) -> None:
    before = (store_dir / "events.jsonl").read_bytes()

    missing = client.request(method, path, content=b"{}")
    wrong = client.request(method, path, content=b"{}", headers={"Authorization": "Bearer nope"})
    basic = client.request(method, path, content=b"{}", headers={"Authorization": f"Basic {TOKEN}"})

    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 403
    assert basic.status_code == 401
    assert (store_dir / "events.jsonl").read_bytes() == before


def test_the_node_api_answers_with_the_token(client: TestClient) -> None:
    response = client.get("/v1/network/fetch", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert "manifest" in orjson.loads(response.content)
