"""Metrics scraped over HTTP and one trace across the Kafka hop, on the real parts."""

import asyncio

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from chorus_backbone.app import create_service_app
from chorus_backbone.consumer import EventConsumer, RetryPolicy
from chorus_backbone.runtime import Runtime
from chorus_backbone.settings import ServiceSettings
from chorus_backbone.unit_of_work import Transaction
from chorus_devinfra.probes import eventually, metric_value
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.users import UserRegistered

pytestmark = pytest.mark.integration


def _service(
    namespace: Namespace,
    handled: list[tuple[Envelope, str | None]],
    *,
    name: str,
    fail_for: str = "",
) -> tuple[Runtime, APIRouter]:
    runtime = Runtime.from_settings(
        ServiceSettings(
            service_name=name,
            kafka_bootstrap=namespace.kafka_bootstrap,
            mongodb_url=namespace.mongo_url,
            mongodb_database=namespace.database,
            redis_url=namespace.redis_url,
            topic_prefix=namespace.topic_prefix,
            consumer_group_prefix=namespace.topic_prefix,
            outbox_poll_seconds=0.05,
        )
    )

    async def on_user_registered(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, UserRegistered)
        if event.username == fail_for:
            raise RuntimeError("cannot project this user")
        span = trace.get_current_span().get_span_context()
        handled.append((envelope, format(span.trace_id, "032x") if span.is_valid else None))

    group = runtime.group("probe-projection")
    runtime.add_consumer(
        EventConsumer(
            topic=Topic.USERS_EVENTS,
            group=group,
            handlers={UserRegistered: on_user_registered},
            dead_letters=runtime.dead_letters(group),
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.02),
            topics=runtime.topics,
        )
    )
    router = APIRouter()

    @router.post("/users/{user_id}")
    async def register(user_id: int, username: str) -> dict[str, int]:
        async def write(transaction: Transaction) -> None:
            await runtime.database.users.insert_one(
                {"_id": user_id, "username": username}, session=transaction.session
            )
            transaction.record(UserRegistered(user_id=user_id, username=username))

        await runtime.unit_of_work.run(write)
        return {"id": user_id}

    return runtime, router


async def test_one_trace_runs_from_the_request_through_outbox_relay_and_kafka_to_the_consumer(
    namespace: Namespace, finished_spans: InMemorySpanExporter
) -> None:
    handled: list[tuple[Envelope, str | None]] = []
    runtime, router = _service(namespace, handled, name="traced")
    app = create_service_app(runtime, title="probe", routers=[router])
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.post("/users/1", params={"username": "ada"})
        assert response.status_code == 200
        await eventually(lambda: asyncio.sleep(0, handled), lambda done: len(done) == 1)

    [(envelope, consumer_trace_id)] = handled
    finished = finished_spans.get_finished_spans()
    server = next(
        span
        for span in finished
        if span.kind is SpanKind.SERVER and span.attributes.get("http.route") == "/users/{user_id}"
    )
    trace_id = format(server.context.trace_id, "032x")
    in_trace = [span for span in finished if span.context.trace_id == server.context.trace_id]
    producer = next(span for span in in_trace if span.kind is SpanKind.PRODUCER)
    consumer = next(span for span in in_trace if span.kind is SpanKind.CONSUMER)

    assert consumer_trace_id == trace_id
    assert producer.parent is not None
    assert producer.parent.span_id == server.context.span_id
    assert consumer.parent is not None
    assert consumer.parent.span_id == producer.context.span_id
    assert envelope.correlation_id == response.headers["x-request-id"]


async def test_http_event_and_outbox_metrics_are_scraped_over_http(
    namespace: Namespace, finished_spans: InMemorySpanExporter
) -> None:
    handled: list[tuple[Envelope, str | None]] = []
    runtime, router = _service(namespace, handled, name="measured", fail_for="poison")
    app = create_service_app(runtime, title="probe", routers=[router])
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        for user_id, name in ((11, "a"), (12, "poison"), (13, "b")):
            await client.post(f"/users/{user_id}", params={"username": name})
        await client.post("/users/not-a-number", params={"username": "x"})
        await eventually(lambda: asyncio.sleep(0, handled), lambda done: len(done) == 2)
        # The registry is the whole test process's: wait on this test's own series (its
        # group is unique to its namespace), never on a label another test may have left.
        topic = str(Topic.USERS_EVENTS)
        user_registered = "users.UserRegistered"
        group = {"topic": topic, "group": runtime.group("probe-projection")}
        handled_series = {**group, "type": user_registered}
        scraped = await eventually(
            lambda: client.get("/metrics"),
            # The handled-outcome counter moves last, after the DLQ counter.
            lambda response: (
                metric_value(
                    response.text, "chorus_events_handled_total", **handled_series, outcome="dead_lettered"
                )
                == 1
            ),
        )

    text = scraped.text
    route = {"service": "measured", "method": "POST", "route": "/users/{user_id}"}
    assert metric_value(text, "chorus_http_requests_total", **route, status="2xx") == 3
    assert metric_value(text, "chorus_http_requests_total", **route, status="4xx") == 1
    assert metric_value(text, "chorus_http_request_duration_seconds_count", **route) == 4
    assert (
        metric_value(
            text,
            "chorus_events_published_total",
            service="measured",
            topic=topic,
            type=user_registered,
        )
        == 3
    )
    assert metric_value(text, "chorus_events_handled_total", **handled_series, outcome="handled") == 2
    assert metric_value(text, "chorus_events_handled_total", **handled_series, outcome="dead_lettered") == 1
    assert metric_value(text, "chorus_event_retries_total", **group) == 1
    assert metric_value(text, "chorus_dlq_messages_total", **group) == 1
    assert metric_value(text, "chorus_outbox_backlog", service="measured") is not None
    assert metric_value(text, "faststream_received_messages_total") is not None
    assert "/users/1" not in text  # labels carry route templates, never ids
