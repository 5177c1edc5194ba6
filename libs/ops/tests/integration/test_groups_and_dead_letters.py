"""Moving consumer groups and re-driving dead letters with `chorus`, against the real Kafka and MongoDB."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from chorus_backbone import mongo
from chorus_backbone.consumer import EventConsumer, RetryPolicy
from chorus_backbone.dead_letters import DeadLetters
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.kafka import BrokerPublisher, make_broker
from chorus_devinfra.probes import committed_offsets, eventually, publish_events
from chorus_devinfra.pytest_plugin import Namespace
from chorus_schemas import Envelope, Event, Topic, TopicNames
from chorus_schemas.events.ratings import RatingChanged

pytestmark = pytest.mark.integration


def _ratings(first_id: int, count: int) -> list[Event]:
    return [
        RatingChanged(album_id=1, rating_id=i, user_id=1, score=3.0, avg_rating=3.0, ratings_count=i)
        for i in range(first_id, first_id + count)
    ]


@contextlib.asynccontextmanager
async def _member(namespace: Namespace, group: str) -> AsyncIterator[AIOKafkaConsumer]:
    topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=namespace.kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def _read_all_and_commit(namespace: Namespace, group: str, expected: int) -> list[str]:
    """Join ``group``, read ``expected`` events, commit, leave; the event ids read, in order."""
    ids: list[str] = []
    async with _member(namespace, group) as consumer:
        deadline = asyncio.get_running_loop().time() + 30
        while len(ids) < expected and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                ids += [Envelope.from_bytes(record.value).id.hex for record in records]
        await consumer.commit()
    return ids


async def test_a_group_moved_to_a_time_reads_again_exactly_the_events_after_it(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0
    before = await publish_events(namespace.kafka_bootstrap, namespace.topic_prefix, _ratings(1, 3))
    await asyncio.sleep(0.05)
    cut = datetime.now(UTC)
    await asyncio.sleep(0.05)
    after = await publish_events(namespace.kafka_bootstrap, namespace.topic_prefix, _ratings(4, 3))
    group = namespace.group("analytics")
    assert len(await _read_all_and_commit(namespace, group, 6)) == 6
    topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)

    dry = await chorus("groups", "move", group, "--topic", "ratings.events", "--to-time", cut.isoformat())
    committed_after_dry_run = await committed_offsets(namespace.kafka_bootstrap, group, topic)
    moved = await chorus(
        "groups", "move", group, "--topic", "ratings.events", "--to-time", cut.isoformat(), "--execute"
    )
    reread = await _read_all_and_commit(namespace, group, 3)
    lag = await chorus("groups", "lag", group, "--json")

    assert dry.status == 0
    assert "dry run" in dry.stderr
    assert committed_after_dry_run == 6
    assert moved.status == 0, moved.stderr
    assert reread == [envelope.id.hex for envelope in after]
    assert not {envelope.id.hex for envelope in before} & set(reread)
    partitions = [orjson.loads(line) for line in lag.stdout.splitlines()]
    assert sum(p["committed"] or 0 for p in partitions) == 6
    assert sum(p["lag"] for p in partitions) == 0


async def test_the_tool_refuses_to_move_a_group_that_has_members(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0
    await publish_events(namespace.kafka_bootstrap, namespace.topic_prefix, _ratings(1, 2))
    group = namespace.group("busy")
    topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
    async with _member(namespace, group) as member:
        await eventually(lambda: asyncio.sleep(0, member.assignment()), bool)
        for _ in range(10):
            await member.getmany(timeout_ms=100)
        await member.commit()
        committed = await committed_offsets(namespace.kafka_bootstrap, group, topic)

        refused = await chorus(
            "groups", "move", group, "--topic", "ratings.events", "--to-earliest", "--execute"
        )
        still = await committed_offsets(namespace.kafka_bootstrap, group, topic)

    assert committed == 2
    assert refused.status == 2
    assert "refused" in refused.stderr
    assert "stop its consumers first" in refused.stderr
    assert still == 2


async def test_a_dead_letter_redriven_after_the_fix_is_applied_once(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0
    client = mongo.connect(namespace.mongo_url, app_name="tests")
    database = client[namespace.database]
    inbox = ProcessedEvents(client, database, consumer="totals")
    fixed = asyncio.Event()

    async def count_rating(envelope: Envelope, event: Event) -> None:
        if not fixed.is_set():
            raise ChorusError(ErrorKind.INVALID, "not_yet_supported", "this consumer has a bug")

        async def add(session: mongo.Session) -> None:
            await database["totals"].update_one(
                {"_id": "ratings"}, {"$inc": {"n": 1}}, upsert=True, session=session
            )

        await inbox.apply_once(envelope, add)

    group = namespace.group("totals")
    broker: KafkaBroker = make_broker(namespace.kafka_bootstrap, client_id="tests")
    consumer = EventConsumer(
        topic=Topic.RATINGS_EVENTS,
        group=group,
        handlers={RatingChanged: count_rating},
        dead_letters=DeadLetters(BrokerPublisher(broker), group=group),
        retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.05),
        topics=TopicNames(namespace.topic_prefix),
    )
    consumer.register(broker)
    await broker.start()
    try:
        [event] = await publish_events(namespace.kafka_bootstrap, namespace.topic_prefix, _ratings(1, 1))
        listed = await eventually(
            lambda: chorus("dlq", "list", "ratings.events"), lambda run: bool(run.stdout.strip())
        )
        [letter] = [orjson.loads(line) for line in listed.stdout.splitlines()]
        shown = await chorus("dlq", "show", "ratings.events", letter["position"])
        planned = await chorus("dlq", "redrive", "ratings.events", "--at", letter["position"])

        fixed.set()
        first = await chorus("dlq", "redrive", "ratings.events", "--at", letter["position"], "--execute")
        second = await chorus("dlq", "redrive", "ratings.events", "--all", "--execute")
        topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
        await eventually(
            lambda: committed_offsets(namespace.kafka_bootstrap, group, topic), lambda done: done == 3
        )
        totals = await database["totals"].find_one({"_id": "ratings"})
    finally:
        await broker.stop()
        await client.close()

    assert letter["event_id"] == str(event.id)
    assert letter["event_type"] == "ratings.RatingChanged"
    assert "this consumer has a bug" in letter["error"]
    assert letter["group"] == group
    assert orjson.loads(shown.stdout)["body"] == event.to_bytes().decode()
    assert planned.status == 0
    assert "dry run" in planned.stderr
    assert first.status == second.status == 0
    assert totals == {"_id": "ratings", "n": 1}


async def test_dead_letter_commands_refuse_unknown_positions(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0

    shown = await chorus("dlq", "show", "ratings.events", "0:99")
    redriven = await chorus("dlq", "redrive", "ratings.events", "--at", "0:99", "--execute")

    assert shown.status == redriven.status == 2
    assert "no dead letter at 0:99" in shown.stderr
