"""The span tree of a fallback run and of a replay run, from the SDK's in-memory exporter:
what docs/observability.md draws."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from evokernel.adapters.agents.scripted import ScriptedAgent, ScriptedRule
from evokernel.application.kernel import EvoKernel
from evokernel.application.tracing import Tracing
from evokernel.demo.repos import SampleRepo
from sandbox import Validator
from store import EventLog
from tests.evokernel.kernel.conftest import shop_task


def _tree(spans: tuple[ReadableSpan, ...], run_id: str) -> dict[str, list[str]]:
    """Span name -> names of its children, for the spans of one run."""
    root = next(
        s for s in spans if s.name == "evokernel.run" and s.attributes["evokernel.run_id"] == run_id
    )
    in_run = {root.context.span_id}
    for _ in range(4):  # depth is at most three
        in_run |= {s.context.span_id for s in spans if s.parent and s.parent.span_id in in_run}
    children: dict[str, list[str]] = {}
    for span in spans:
        if span.context.span_id in in_run and span.parent is not None:
            parent = next(p for p in spans if p.context.span_id == span.parent.span_id)
            children.setdefault(parent.name, []).append(span.name)
    return children


@pytest.mark.docker
def test_span_trees_of_a_fallback_run_and_a_replay_run(
    event_log: EventLog, validator: Validator, shop: SampleRepo, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    kernel = EvoKernel(
        event_log,
        validator,
        workspace_root=tmp_path / "ws",
        tracing=Tracing(provider.get_tracer("evokernel")),
    )
    agent = ScriptedAgent.from_rules([ScriptedRule(signals_include=[], diff=shop.fixes["cart"])])

    kernel.solve(shop_task(shop, "cart_bug"), agent, run_id="run_fallback")
    kernel.solve(shop_task(shop, "cart_bug_moved"), agent, run_id="run_replay")

    spans = exporter.get_finished_spans()
    fallback = _tree(spans, "run_fallback")
    assert fallback["evokernel.run"] == [
        "evokernel.detect",
        "invoke_agent scripted",
        "evokernel.validate",
    ]
    replayed = _tree(spans, "run_replay")
    assert replayed["evokernel.run"] == ["evokernel.detect", "evokernel.replay_candidate"]
    assert replayed["evokernel.replay_candidate"] == ["evokernel.validate"]
    agent_span = next(s for s in spans if s.name == "invoke_agent scripted")
    assert agent_span.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert agent_span.attributes["gen_ai.agent.name"] == "scripted"
    candidate = next(s for s in spans if s.name == "evokernel.replay_candidate")
    assert candidate.attributes["evokernel.outcome"] == "hit"
    root = next(s for s in spans if s.name == "evokernel.run")
    assert root.attributes["evokernel.task_id"] == "task-cart_bug"
