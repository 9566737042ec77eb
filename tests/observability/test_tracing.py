"""``evokernel.application.tracing``: off unless OTEL_* asks, spans and GenAI attributes when on."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from evokernel.application.tracing import (
    Tracing,
    record_token_usage,
    tracer_provider_from_environment,
    tracing_requested,
)
from evokernel.errors import ConfigError


def _memory_tracing() -> tuple[Tracing, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider.get_tracer("evokernel")), exporter


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_tracing_is_off_unless_otel_variables_ask(environ: dict[str, str], wanted: bool) -> None:
    assert tracing_requested(environ) is wanted
    provider = tracer_provider_from_environment(environ)
    assert (provider is not None) is wanted
    if provider is not None:
        provider.shutdown()


def test_unknown_exporter_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="zipkin"):
        tracer_provider_from_environment({"OTEL_TRACES_EXPORTER": "zipkin"})


def test_service_name_defaults_to_evokernel() -> None:
    provider = tracer_provider_from_environment({"OTEL_TRACES_EXPORTER": "console"})
    try:
        assert provider.resource.attributes["service.name"] == "evokernel"
    finally:
        provider.shutdown()


def test_spans_nest_and_agent_spans_follow_genai_conventions() -> None:
    tracing, exporter = _memory_tracing()
    with tracing.run("run_1", "task_1"):
        with tracing.span("evokernel.detect"):
            pass
        with tracing.agent("scripted", "gpt-x") as span:
            record_token_usage(span, 120, 30)
    spans = {span.name: span for span in exporter.get_finished_spans()}
    root, agent = spans["evokernel.run"], spans["invoke_agent scripted"]
    assert root.attributes == {"evokernel.run_id": "run_1", "evokernel.task_id": "task_1"}
    assert spans["evokernel.detect"].parent.span_id == root.context.span_id
    assert agent.parent.span_id == root.context.span_id
    assert agent.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert agent.attributes["gen_ai.agent.name"] == "scripted"
    assert agent.attributes["gen_ai.usage.input_tokens"] == 120
    assert agent.attributes["gen_ai.usage.output_tokens"] == 30


def test_without_a_tracer_spans_cost_nothing_and_record_nothing() -> None:
    tracing = Tracing()
    assert not tracing.enabled
    with tracing.run("run_1", "task_1") as span:
        span.set_attribute("x", 1)
