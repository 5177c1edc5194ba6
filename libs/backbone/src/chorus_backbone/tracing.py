"""OpenTelemetry set-up. With no OTLP endpoint configured nothing is recorded or sent.

Trace context crosses the bus as W3C ``traceparent`` headers: the outbox stores the
writing request's context with each entry, the relay publishes under it, and
FastStream's telemetry middleware continues it in every consumer.
"""

from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

_configured = False


def configure_tracing(
    service: str,
    *,
    otlp_endpoint: str | None,
    sample_ratio: float = 1.0,
    extra_processor: SpanProcessor | None = None,
) -> None:
    """Install the process-wide tracer provider once; a no-op without an endpoint."""
    global _configured  # noqa: PLW0603  (one provider per process, by OpenTelemetry's design)
    if _configured or (not otlp_endpoint and extra_processor is None):
        return
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint}/v1/traces"))
        )
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(provider)
    _instrument_grpc()
    _configured = True


def _instrument_grpc() -> None:
    """Spans for every gRPC call served or made by this process (servers created after this)."""
    from opentelemetry.instrumentation.grpc import (  # noqa: PLC0415  (only when tracing is on)
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
    )

    GrpcAioInstrumentorServer().instrument()  # type: ignore[no-untyped-call]
    GrpcAioInstrumentorClient().instrument()  # type: ignore[no-untyped-call]


def tracing_enabled() -> bool:
    """Whether this process records spans (an endpoint or a processor was configured)."""
    return _configured


def current_trace_headers() -> dict[str, str]:
    """The active trace context as W3C headers (empty when nothing is being traced)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def attach_trace_headers(headers: Mapping[str, str]) -> object:
    """Make the context carried in ``headers`` current; returns a token for detach()."""
    return context.attach(propagate.extract(dict(headers)))


def detach(token: object) -> None:
    context.detach(token)  # type: ignore[arg-type]


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None
