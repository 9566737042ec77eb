"""Optional OpenTelemetry spans: a run, and what it did (detect, replay, agent, validate, land).

Off unless the standard ``OTEL_*`` variables ask for it (``OTEL_TRACES_EXPORTER`` other than
``none``, or an OTLP endpoint), and only with the ``otel`` extra installed. The kernel receives
a ``Tracing`` through its context; with no tracer every span is a no-op costing a function call,
so the flows never branch on whether tracing is on.

Span names and attributes (docs/observability.md draws the tree):

- ``evokernel.run`` (``evokernel.run_id``, ``evokernel.task_id``), the root of one run, with
  children ``evokernel.detect``, ``evokernel.replay_candidate`` (``evokernel.capsule_id``),
  ``invoke_agent {name}`` (GenAI conventions: ``gen_ai.operation.name = invoke_agent``,
  ``gen_ai.agent.name``, ``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` and
  ``gen_ai.usage.output_tokens``), ``evokernel.validate`` and ``evokernel.land``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from evokernel.errors import ConfigError

AttributeValue = str | bool | int | float


class SpanLike(Protocol):
    """What the flows do with an open span (``opentelemetry.trace.Span`` has it)."""

    def set_attribute(self, key: str, value: AttributeValue) -> None: ...


class _NoSpan:
    def set_attribute(self, key: str, value: AttributeValue) -> None:
        """Nothing is recorded."""


_NO_SPAN = _NoSpan()


class Tracing:
    """Opens spans on an OpenTelemetry tracer, or does nothing when there is none.

    Args:
        tracer: an ``opentelemetry.trace.Tracer`` (tests pass one over an in-memory exporter),
            or ``None`` for no tracing.
    """

    def __init__(self, tracer: Any | None = None) -> None:
        self._tracer = tracer

    @property
    def enabled(self) -> bool:
        """Whether spans are recorded."""
        return self._tracer is not None

    @contextmanager
    def span(
        self, name: str, attributes: Mapping[str, AttributeValue | None] | None = None
    ) -> Iterator[SpanLike]:
        """A child of the current span (or a root); ``None`` attribute values are left out."""
        if self._tracer is None:
            yield _NO_SPAN
            return
        clean = {k: v for k, v in (attributes or {}).items() if v is not None}
        with self._tracer.start_as_current_span(name, attributes=clean) as span:
            yield span

    def run(self, run_id: str, task_id: str) -> Any:
        """The root span of one run."""
        return self.span(
            "evokernel.run", {"evokernel.run_id": run_id, "evokernel.task_id": task_id}
        )

    def agent(self, agent: str, model: str | None) -> Any:
        """An agent call, named and attributed by the GenAI semantic conventions."""
        return self.span(
            f"invoke_agent {agent}",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": agent,
                "gen_ai.request.model": model,
            },
        )


def record_token_usage(span: SpanLike, tokens_in: int | None, tokens_out: int | None) -> None:
    """Token usage on an ``invoke_agent`` span, where the agent reported it."""
    if tokens_in is not None:
        span.set_attribute("gen_ai.usage.input_tokens", tokens_in)
    if tokens_out is not None:
        span.set_attribute("gen_ai.usage.output_tokens", tokens_out)


def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the ``OTEL_*`` variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def tracer_provider_from_environment(environ: Mapping[str, str]) -> Any | None:
    """An SDK ``TracerProvider`` exporting as ``OTEL_*`` says, or ``None`` when tracing is off.

    ``OTEL_TRACES_EXPORTER`` may be ``otlp`` (the default when an endpoint is set; OTLP over
    HTTP, which reads its own ``OTEL_EXPORTER_OTLP_*`` settings) or ``console``. The service
    name defaults to ``evokernel`` unless ``OTEL_SERVICE_NAME`` or ``OTEL_RESOURCE_ATTRIBUTES``
    names one. Call ``shutdown()`` on the provider before exit so queued spans are sent.

    Raises:
        ConfigError: tracing is asked for but the ``otel`` extra is missing, or the exporter
            name is unknown.
    """
    if not tracing_requested(environ):
        return None
    exporter_name = environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() or "otlp"
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError as exc:
        raise ConfigError(
            "OTEL_* asks for traces but OpenTelemetry is not installed: "
            "pip install 'evokernel-runtime[otel]'"
        ) from exc
    if exporter_name == "console":
        exporter: Any = ConsoleSpanExporter()
    elif exporter_name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as exc:
            raise ConfigError(
                "OTEL_TRACES_EXPORTER=otlp needs opentelemetry-exporter-otlp-proto-http: "
                "pip install 'evokernel-runtime[otel]'"
            ) from exc
        exporter = OTLPSpanExporter()
    else:
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER={exporter_name!r}: evokernel knows otlp, console, none"
        )
    named = "OTEL_SERVICE_NAME" in environ or "service.name=" in environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    resource = Resource.create({} if named else {"service.name": "evokernel"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def default_tracing() -> Tracing:
    """Spans on OpenTelemetry's global tracer when the API is installed, else none.

    This is how an instrumented library behaves: it asks the API for a tracer, which records
    nothing until the application (here the CLI, from ``OTEL_*``) installs an SDK provider.
    """
    try:
        from opentelemetry import trace
    except ImportError:
        return Tracing()
    return Tracing(trace.get_tracer("evokernel"))


def install_from_environment(environ: Mapping[str, str]) -> Any | None:
    """Install the SDK provider ``OTEL_*`` asks for as OpenTelemetry's global one (once, at
    the CLI entry point); returns it so the caller can ``shutdown()`` it before exit.

    Raises:
        ConfigError: see ``tracer_provider_from_environment``.
    """
    provider = tracer_provider_from_environment(environ)
    if provider is not None:
        from opentelemetry import trace

        trace.set_tracer_provider(provider)
    return provider


def tracing_from_provider(provider: Any | None) -> Tracing:
    """A ``Tracing`` over ``provider``'s ``evokernel`` tracer (no-op for ``None``)."""
    return Tracing(provider.get_tracer("evokernel") if provider is not None else None)
