"""Idempotent consumers, retries and the DLQ against real Kafka and the MongoDB-wire server."""

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from chorus_backbone import mongo
from chorus_backbone.consumer import EventConsumer, RetryPolicy
from chorus_backbone.dead_letters import (
    HEADER_ATTEMPTS,
    HEADER_CONSUMER_GROUP,
    HEADER_ERROR,
    HEADER_ORIGINAL_OFFSET,
    HEADER_ORIGINAL_TOPIC,
    DeadLetters,
)
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.kafka import BrokerPublisher, make_broker
from chorus_devinfra.probes import create_topics, eventually, read_topic
from chorus_devinfra.pytest_plugin import Namespace
from chorus_schemas import Envelope, Event, Topic, TopicNames
from chorus_schemas.events.users import FriendAccepted, UserRegistered

pytestmark = pytest.mark.integration

FAST_RETRIES = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)


@pytest.fixture
async def topics(namespace: Namespace) -> TopicNames:
    names = TopicNames(namespace.topic_prefix)
    await create_topics(
        namespace.kafka_bootstrap,
        [names.name(Topic.USERS_EVENTS), names.dlq(Topic.USERS_EVENTS)],
    )
    return names


@pytest.fixture
async def producer(namespace: Namespace) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=namespace.kafka_bootstrap)
    await producer.start()
    yield producer
    await producer.stop()


async def _send(producer: AIOKafkaProducer, topic: str, envelope: Envelope | bytes) -> None:
    if isinstance(envelope, Envelope):
        await producer.send_and_wait(
            topic,
            envelope.to_bytes(),
            key=envelope.key.encode(),
            headers=[(k, v.encode()) for k, v in envelope.headers().items()],
        )
    else:
        await producer.send_and_wait(topic, envelope, key=b"1")


async def _running(
    namespace: Namespace, topics: TopicNames, build: Callable[[KafkaBroker], EventConsumer]
) -> KafkaBroker:
    broker = make_broker(namespace.kafka_bootstrap, client_id="consumer-tests")
    build(broker).register(broker)
    await broker.start()
    return broker


def _counting_projection(
    mongo_client: mongo.MongoClient, database: mongo.Database
) -> Callable[[Envelope, Event], object]:
    inbox = ProcessedEvents(mongo_client, database, consumer="friend-counts")

    async def on_friend_accepted(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, FriendAccepted)

        async def count(session: mongo.Session) -> None:
            await database.friend_counts.update_one(
                {"_id": event.receiver_id}, {"$inc": {"friends": 1}}, upsert=True, session=session
            )

        await inbox.apply_once(envelope, count)

    return on_friend_accepted


async def test_the_same_event_delivered_twice_changes_the_projection_once(
    namespace: Namespace,
    topics: TopicNames,
    producer: AIOKafkaProducer,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
) -> None:
    handled: list[Envelope] = []
    project = _counting_projection(mongo_client, database)

    async def on_friend_accepted(envelope: Envelope, event: Event) -> None:
        await project(envelope, event)  # type: ignore[misc]
        handled.append(envelope)

    envelope = Envelope.wrap(FriendAccepted(sender_id=1, receiver_id=2), source="users")
    topic = topics.name(Topic.USERS_EVENTS)
    await _send(producer, topic, envelope)
    await _send(producer, topic, envelope)  # a redelivery, as after a relay crash

    broker = await _running(
        namespace,
        topics,
        lambda broker: EventConsumer(
            topic=Topic.USERS_EVENTS,
            group=namespace.group("counts"),
            handlers={FriendAccepted: on_friend_accepted},
            dead_letters=DeadLetters(BrokerPublisher(broker), group=namespace.group("counts")),
            retry=FAST_RETRIES,
            topics=topics,
        ),
    )
    try:
        await eventually(lambda: asyncio.sleep(0, len(handled)), lambda n: n == 2)
    finally:
        await broker.stop()

    assert await database.friend_counts.find_one({"_id": 2}) == {"_id": 2, "friends": 1}


async def test_a_poison_message_goes_to_the_dlq_after_bounded_retries_and_the_partition_flows_on(
    namespace: Namespace, topics: TopicNames, producer: AIOKafkaProducer
) -> None:
    attempts_on_bad = 0
    handled_users: list[int] = []

    async def on_user_registered(envelope: Envelope, event: Event) -> None:
        nonlocal attempts_on_bad
        assert isinstance(event, UserRegistered)
        if event.username == "explodes":
            attempts_on_bad += 1
            raise ValueError("projection cannot take this user")
        handled_users.append(event.user_id)

    topic = topics.name(Topic.USERS_EVENTS)
    await _send(producer, topic, b"{not an envelope")
    await _send(producer, topic, Envelope.wrap(UserRegistered(user_id=1, username="explodes"), source="t"))
    await _send(producer, topic, Envelope.wrap(UserRegistered(user_id=1, username="fine"), source="t"))

    group = namespace.group("users")
    broker = await _running(
        namespace,
        topics,
        lambda broker: EventConsumer(
            topic=Topic.USERS_EVENTS,
            group=group,
            handlers={UserRegistered: on_user_registered},
            dead_letters=DeadLetters(BrokerPublisher(broker), group=group),
            retry=FAST_RETRIES,
            topics=topics,
        ),
    )
    try:
        await eventually(lambda: asyncio.sleep(0, handled_users), lambda users: users == [1])
        dead = await read_topic(namespace.kafka_bootstrap, topics.dlq(Topic.USERS_EVENTS), count=2)
    finally:
        await broker.stop()

    assert attempts_on_bad == FAST_RETRIES.max_attempts
    assert len(dead) == 2
    garbage, exploded = ({k: v.decode() for k, v in record.headers} for record in dead)
    assert dead[0].value == b"{not an envelope"
    assert garbage[HEADER_ATTEMPTS] == "1"
    assert garbage[HEADER_ORIGINAL_OFFSET] == "0"
    assert "EnvelopeError" in garbage[HEADER_ERROR]
    assert exploded[HEADER_ATTEMPTS] == str(FAST_RETRIES.max_attempts)
    assert exploded[HEADER_ORIGINAL_TOPIC] == topic
    assert exploded[HEADER_ORIGINAL_OFFSET] == "1"
    assert exploded[HEADER_CONSUMER_GROUP] == group
    assert "projection cannot take this user" in exploded[HEADER_ERROR]
    assert Envelope.from_bytes(dead[1].value).data["username"] == "explodes"


# A consumer process that starts handling, says so, and hangs there until killed.
CONSUME_THEN_HANG = textwrap.dedent(
    """
    import asyncio, sys
    from chorus_backbone.consumer import EventConsumer
    from chorus_backbone.dead_letters import DeadLetters
    from chorus_backbone.kafka import BrokerPublisher, make_broker
    from chorus_schemas import TopicNames
    from chorus_schemas.events.users import UserRegistered

    async def main(bootstrap, prefix, group):
        async def hang(envelope, event):
            print("handling", flush=True)
            await asyncio.Event().wait()

        broker = make_broker(bootstrap, client_id="doomed")
        EventConsumer(
            topic="users.events", group=group, handlers={UserRegistered: hang},
            dead_letters=DeadLetters(BrokerPublisher(broker), group=group), topics=TopicNames(prefix),
        ).register(broker)
        await broker.start()
        await asyncio.Event().wait()

    asyncio.run(main(*sys.argv[1:4]))
    """
)


async def test_a_consumer_killed_mid_handler_leaves_the_message_for_its_successor(
    namespace: Namespace, topics: TopicNames, producer: AIOKafkaProducer
) -> None:
    """Offsets are committed after the handler, not before (FastStream's ACK_FIRST default)."""
    topic = topics.name(Topic.USERS_EVENTS)
    await _send(producer, topic, Envelope.wrap(UserRegistered(user_id=4, username="d"), source="t"))
    group = namespace.group("crashy")
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CONSUME_THEN_HANG,
        namespace.kafka_bootstrap,
        namespace.topic_prefix,
        group,
        stdout=asyncio.subprocess.PIPE,
    )
    assert doomed.stdout is not None

    async def handling_started() -> bool:
        while line := await doomed.stdout.readline():  # type: ignore[union-attr]
            if line == b"handling\n":
                return True
        return False

    try:
        started = await asyncio.wait_for(handling_started(), 60)
    finally:
        doomed.kill()  # SIGKILL: no shutdown hook, no commit
        await doomed.wait()
    assert started

    delivered: list[int] = []

    async def completes(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, UserRegistered)
        delivered.append(event.user_id)

    successor = await _running(
        namespace,
        topics,
        lambda broker: EventConsumer(
            topic=Topic.USERS_EVENTS,
            group=group,
            handlers={UserRegistered: completes},
            dead_letters=DeadLetters(BrokerPublisher(broker), group=group),
            retry=FAST_RETRIES,
            topics=topics,
        ),
    )
    try:
        # The dead member's session must time out before the group rebalances to the successor.
        await eventually(lambda: asyncio.sleep(0, delivered), lambda d: d == [4], timeout=60)
    finally:
        await successor.stop()


async def test_events_of_types_a_consumer_does_not_handle_are_skipped_not_dead_lettered(
    namespace: Namespace, topics: TopicNames, producer: AIOKafkaProducer
) -> None:
    seen: list[int] = []

    async def on_user_registered(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, UserRegistered)
        seen.append(event.user_id)

    topic = topics.name(Topic.USERS_EVENTS)
    await _send(producer, topic, Envelope.wrap(FriendAccepted(sender_id=1, receiver_id=2), source="t"))
    await _send(producer, topic, Envelope.wrap(UserRegistered(user_id=6, username="e"), source="t"))
    group = namespace.group("only-users")
    broker = await _running(
        namespace,
        topics,
        lambda broker: EventConsumer(
            topic=Topic.USERS_EVENTS,
            group=group,
            handlers={UserRegistered: on_user_registered},
            dead_letters=DeadLetters(BrokerPublisher(broker), group=group),
            retry=FAST_RETRIES,
            topics=topics,
        ),
    )
    try:
        await eventually(lambda: asyncio.sleep(0, seen), lambda s: s == [6])
    finally:
        await broker.stop()

    assert (
        await read_topic(namespace.kafka_bootstrap, topics.dlq(Topic.USERS_EVENTS), count=1, timeout=1) == []
    )
