"""One trace and the metrics of a rating's journey: gateway → reviews → outbox → Kafka → forums → room."""

import asyncio
from typing import Any
from uuid import uuid4

import orjson
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from websockets.asyncio.client import connect

from chorus_devinfra.probes import eventually, metric_value
from tests.e2e.conftest import System

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"


async def _token(system: System, username: str) -> str:
    await system.gateway.post("/api/users/auth/signup", json={"username": username, "password": PASSWORD})
    signed = await system.gateway.post(
        "/api/users/auth/signin", json={"username": username, "password": PASSWORD}
    )
    return str(signed.json()["auth_token"])


def _route(span: ReadableSpan) -> str | None:
    return None if span.attributes is None else str(span.attributes.get("http.route"))


async def test_one_trace_follows_a_rating_from_the_gateway_into_the_albums_room(
    shared_system: System, finished_spans: InMemorySpanExporter
) -> None:
    system = shared_system
    gateway = system.gateway
    unique = uuid4().hex[:8]
    ada, bob = await _token(system, f"ada{unique}"), await _token(system, f"bob{unique}")
    album = (
        await gateway.post(
            "/api/music/albums",
            json={"title": f"Dummy {unique}", "artist": "Portishead"},
            headers={"auth_token": ada},
        )
    ).json()["id"]
    room = (
        await eventually(
            lambda: gateway.post("/api/games/create", json={"album_id": album}, headers={"auth_token": bob}),
            lambda response: response.status_code == 200,
        )
    ).json()["lobby_id"]
    base = system.gateway_url.replace("http", "ws", 1)
    async with connect(f"{base}/api/games/wss/lobby/{room}?token={bob}", open_timeout=10) as socket:
        finished_spans.clear()
        rated = await gateway.put(
            f"/api/reviews/albums/{album}", json={"score": 4.0}, headers={"auth_token": ada}
        )
        assert rated.status_code == 200
        event = await _next_event(socket)
    assert event["name"] == "rating.changed"

    spans = await eventually(
        lambda: asyncio.sleep(0, finished_spans.get_finished_spans()),
        lambda found: any(span.name == "room fan-out" for span in found),
    )
    edge = next(
        s for s in spans if s.kind is SpanKind.SERVER and _route(s) == "/api/{rest:path}" and "PUT" in s.name
    )
    in_trace = {s.context.span_id: s for s in spans if s.context.trace_id == edge.context.trace_id}
    reviews = next(s for s in in_trace.values() if _route(s) == "/api/reviews/albums/{album_id:int}")
    producer = next(s for s in in_trace.values() if s.kind is SpanKind.PRODUCER)
    consumer = next(
        s for s in in_trace.values() if s.kind is SpanKind.CONSUMER and "ratings.events" in s.name
    )
    push = next(s for s in in_trace.values() if s.name == "room fan-out")

    def ancestors(span: ReadableSpan) -> list[int]:
        chain = []
        while span.parent is not None and span.parent.span_id in in_trace:
            chain.append(span.parent.span_id)
            span = in_trace[span.parent.span_id]
        return chain

    assert edge.context.span_id in ancestors(reviews)
    assert reviews.context.span_id in ancestors(producer)
    assert producer.context.span_id in ancestors(consumer)
    assert consumer.context.span_id in ancestors(push)


async def _next_event(socket: Any) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(socket.recv(), 30))
        if frame["type"] == "event":
            return frame


async def test_the_metrics_move_as_the_journey_runs(shared_system: System) -> None:
    system = shared_system
    gateway = system.gateway
    unique = uuid4().hex[:8]
    # Every in-process service shares the test process's registry, so earlier tests have
    # moved these counters too: this journey is measured as the change it makes.
    before = (await gateway.get("/metrics")).text
    ada = await _token(system, f"ada{unique}")
    album = (
        await gateway.post(
            "/api/music/albums",
            json={"title": f"Mezzanine {unique}", "artist": "Massive Attack"},
            headers={"auth_token": ada},
        )
    ).json()["id"]
    await gateway.put(f"/api/reviews/albums/{album}", json={"score": 5.0}, headers={"auth_token": ada})
    room = (
        await eventually(
            lambda: gateway.post("/api/games/create", json={"album_id": album}, headers={"auth_token": ada}),
            lambda response: response.status_code == 200,
        )
    ).json()["lobby_id"]
    base = system.gateway_url.replace("http", "ws", 1)
    async with connect(f"{base}/api/games/wss/lobby/{room}?token={ada}", open_timeout=10) as socket:
        await socket.send(orjson.dumps({"type": "say", "text": "teardrop"}).decode())
        while orjson.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "message":
            pass
        during = (await gateway.get("/metrics")).text

    published = {"service": "reviews", "topic": "ratings.events", "type": "ratings.RatingChanged"}

    def moved(text: str, name: str, **labels: str) -> float:
        return (metric_value(text, name, **labels) or 0.0) - (metric_value(before, name, **labels) or 0.0)

    after = await eventually(
        lambda: gateway.get("/metrics"),
        lambda response: (
            metric_value(response.text, "chorus_consumer_lag", topic="ratings.events") is not None
            and moved(response.text, "chorus_events_published_total", **published) >= 1
            # The second forums replica registers once its consumers have joined their groups.
            and metric_value(response.text, "chorus_gateway_upstream_instances", service="forums") == 2
        ),
    )
    text = after.text
    edge = {"service": "gateway", "method": "PUT", "route": "/api/{rest:path}"}
    assert moved(text, "chorus_http_requests_total", **edge, status="2xx") >= 1
    assert metric_value(text, "chorus_gateway_upstream_instances", service="forums") == 2
    assert moved(text, "chorus_events_published_total", **published) >= 1
    assert moved(text, "chorus_live_frames_sent_total", type="message") >= 1
    assert metric_value(during, "chorus_live_members") >= 1
    assert metric_value(text, "chorus_outbox_oldest_age_seconds", service="reviews") is not None
