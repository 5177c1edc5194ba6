"""The outbox and its relay against the real MongoDB-wire server and Kafka."""

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from faststream.kafka import KafkaBroker

from chorus_backbone import mongo
from chorus_backbone.correlation import bind_correlation_id, reset_correlation_id
from chorus_backbone.kafka import BrokerPublisher, make_broker
from chorus_backbone.lease import Lease
from chorus_backbone.outbox import Outbox
from chorus_backbone.relay import OutboxRelay
from chorus_backbone.unit_of_work import MongoUnitOfWork, Transaction
from chorus_devinfra.probes import create_topics, eventually, read_topic
from chorus_devinfra.pytest_plugin import Namespace
from chorus_schemas import Envelope, Topic, TopicNames
from chorus_schemas.envelope import HEADER_CORRELATION_ID, HEADER_EVENT_ID
from chorus_schemas.events.users import UserRegistered

pytestmark = pytest.mark.integration

# A service writing a user and its event in one transaction, then dying
# before any relay ran: the crash the outbox exists for.
WRITE_THEN_CRASH = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from chorus_backbone import mongo
    from chorus_backbone.outbox import Outbox
    from chorus_backbone.unit_of_work import MongoUnitOfWork
    from chorus_schemas.events.users import UserRegistered

    async def main(url, database):
        client = mongo.connect(url, app_name="crashing-writer")
        db = client[database]
        unit_of_work = MongoUnitOfWork(client, Outbox(db, source="users"), committed=lambda entries: None)

        async def register(transaction):
            await db.users.insert_one({"_id": 41, "username": "ada"}, session=transaction.session)
            transaction.record(UserRegistered(user_id=41, username="ada"))

        await unit_of_work.run(register)
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


@pytest.fixture
async def broker(namespace: Namespace) -> AsyncIterator[KafkaBroker]:
    broker = make_broker(namespace.kafka_bootstrap, client_id="relay-tests")
    await broker.start()
    yield broker
    await broker.stop()


@pytest.fixture
async def users_topic(namespace: Namespace) -> str:
    topics = TopicNames(namespace.topic_prefix)
    await create_topics(namespace.kafka_bootstrap, [topics.name(Topic.USERS_EVENTS)], partitions=3)
    return topics.name(Topic.USERS_EVENTS)


@pytest.fixture
async def sweep_held_elsewhere(database: mongo.Database) -> None:
    """Another replica holds the sweep: the relay under test only publishes its own commits."""
    sweeper = Lease(database, name="outbox-relay", owner="another-replica", duration=timedelta(minutes=5))
    assert await sweeper.acquire()


def _unit_of_work(client: mongo.MongoClient, database: mongo.Database) -> MongoUnitOfWork:
    return MongoUnitOfWork(client, Outbox(database, source="users"), committed=lambda entries: None)


async def _announce(unit_of_work: MongoUnitOfWork, *events: UserRegistered) -> None:
    async def record(transaction: Transaction) -> None:
        for event in events:
            transaction.record(event)

    await unit_of_work.run(record)


def _relay(database: mongo.Database, broker: KafkaBroker, namespace: Namespace) -> OutboxRelay:
    return OutboxRelay(
        database,
        Outbox(database, source="users"),
        BrokerPublisher(broker),
        topics=TopicNames(namespace.topic_prefix),
        poll_seconds=0.05,
        lease_duration=timedelta(seconds=2),
        sweep_after=timedelta(0),  # these tests drive the sweep alone
    )


async def test_an_event_written_before_a_crash_is_published_after_restart(
    namespace: Namespace, database: mongo.Database, broker: KafkaBroker, users_topic: str
) -> None:
    writer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WRITE_THEN_CRASH,
        namespace.mongo_url,
        namespace.database,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(writer.communicate(), 60)
    assert writer.returncode == -9, stderr.decode()
    assert await database.users.count_documents({"_id": 41}) == 1
    assert await database.outbox.count_documents({"sent_at": None}) == 1

    relay = _relay(database, broker, namespace)
    relay.start()
    try:
        records = await read_topic(namespace.kafka_bootstrap, users_topic, count=1)
        # Published first, marked sent just after: stopping in between would leave it unsent.
        unsent = await eventually(
            lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0
        )
    finally:
        await relay.stop()

    assert len(records) == 1
    envelope = Envelope.from_bytes(records[0].value)
    assert envelope.type == "users.UserRegistered"
    assert envelope.data == {"user_id": 41, "username": "ada"}
    assert records[0].key == b"41"
    assert dict(records[0].headers)[HEADER_EVENT_ID] == str(envelope.id).encode()
    assert unsent == 0


async def test_entries_stored_one_per_document_before_are_still_published_in_order(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    outbox = Outbox(database, source="users")
    earlier = [outbox.entry(UserRegistered(user_id=6, username=f"early-{index}")) for index in range(2)]
    await database.outbox.insert_many(
        [{**entry, "created_ns": index, "sent_at": None} for index, entry in enumerate(earlier)]
    )
    await _announce(_unit_of_work(mongo_client, database), UserRegistered(user_id=6, username="late"))

    assert await _relay(database, broker, namespace).relay_once() == 3

    records = await read_topic(namespace.kafka_bootstrap, users_topic, count=3)
    assert [Envelope.from_bytes(r.value).data["username"] for r in records] == ["early-0", "early-1", "late"]
    assert await database.outbox.count_documents({"sent_at": None}) == 0


async def test_events_of_one_key_are_published_in_the_order_written(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    unit_of_work = _unit_of_work(mongo_client, database)
    names = [f"name-{index}" for index in range(30)]
    for name in names[:10]:
        await _announce(unit_of_work, UserRegistered(user_id=5, username=name))
    # Events recorded in one transaction keep their order too.
    await _announce(unit_of_work, *(UserRegistered(user_id=5, username=name) for name in names[10:]))

    relay = _relay(database, broker, namespace)
    assert await relay.relay_once() == 11  # one outbox document per transaction

    records = await read_topic(namespace.kafka_bootstrap, users_topic, count=len(names))
    published = [Envelope.from_bytes(record.value).data["username"] for record in records]
    assert published == names
    assert {record.partition for record in records} == {records[0].partition}


async def test_the_correlation_id_of_the_writing_request_reaches_the_message(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    token = bind_correlation_id("request-abc")
    try:
        await _announce(_unit_of_work(mongo_client, database), UserRegistered(user_id=9, username="c"))
    finally:
        reset_correlation_id(token)

    await _relay(database, broker, namespace).relay_once()

    [record] = await read_topic(namespace.kafka_bootstrap, users_topic, count=1)
    assert Envelope.from_bytes(record.value).correlation_id == "request-abc"
    assert dict(record.headers)[HEADER_CORRELATION_ID] == b"request-abc"


async def test_only_one_relay_replica_is_active_and_another_takes_over_when_it_stops(
    namespace: Namespace, database: mongo.Database, broker: KafkaBroker
) -> None:
    first = _relay(database, broker, namespace)
    second = _relay(database, broker, namespace)

    assert await first.lease.acquire()
    assert not await second.lease.acquire()

    await first.lease.release()
    assert await second.lease.acquire()


async def test_a_state_change_that_rolls_back_leaves_no_event(
    mongo_client: mongo.MongoClient, database: mongo.Database
) -> None:
    woken: list[bool] = []
    unit_of_work = MongoUnitOfWork(
        mongo_client, Outbox(database, source="users"), lambda entries: woken.append(True)
    )

    async def register_then_fail(transaction: Transaction) -> None:
        await database.users.insert_one({"_id": 3, "username": "x"}, session=transaction.session)
        transaction.record(UserRegistered(user_id=3, username="x"))
        raise RuntimeError("validation failed after the event was staged")

    with pytest.raises(RuntimeError):
        await unit_of_work.run(register_then_fail)

    assert await database.outbox.count_documents({}) == 0
    assert await database.users.count_documents({}) == 0
    assert woken == []


async def test_the_relay_is_woken_only_after_a_transaction_that_recorded_events(
    mongo_client: mongo.MongoClient, database: mongo.Database
) -> None:
    wakes: list[int] = []

    async def pending() -> int:
        return await database.outbox.count_documents({"sent_at": None})

    unit_of_work = MongoUnitOfWork(
        mongo_client, Outbox(database, source="users"), lambda entries: wakes.append(len(entries))
    )

    async def nothing_to_announce(transaction: Transaction) -> int:
        return 7

    assert await unit_of_work.run(nothing_to_announce) == 7
    assert wakes == []

    await _announce(unit_of_work, UserRegistered(user_id=4, username="w"))
    assert wakes == [1]
    assert await pending() == 1


async def test_the_relay_keeps_running_through_a_failed_publish(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    class FlakyPublisher(BrokerPublisher):
        failures = 2

        async def send_many(self, messages: list) -> None:  # type: ignore[type-arg]
            if self.failures:
                self.failures -= 1
                raise ConnectionError("broker unreachable")
            await super().send_many(messages)

    await _announce(_unit_of_work(mongo_client, database), UserRegistered(user_id=8, username="f"))
    relay = OutboxRelay(
        database,
        Outbox(database, source="users"),
        FlakyPublisher(broker),
        topics=TopicNames(namespace.topic_prefix),
        poll_seconds=0.05,
    )
    relay.start()
    try:
        await eventually(lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0)
    finally:
        await relay.stop()

    records = await read_topic(namespace.kafka_bootstrap, users_topic, count=1)
    assert len(records) == 1
    await asyncio.sleep(0)


async def test_committed_entries_leave_at_once_without_waiting_for_a_sweep(
    sweep_held_elsewhere: None,
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    outbox = Outbox(database, source="users")
    relay = OutboxRelay(database, outbox, BrokerPublisher(broker), topics=TopicNames(namespace.topic_prefix))
    relay.start()
    try:
        unit_of_work = MongoUnitOfWork(mongo_client, outbox, committed=relay.publish_committed)
        await _announce(unit_of_work, *(UserRegistered(user_id=7, username=f"n{i}") for i in range(3)))
        records = await read_topic(namespace.kafka_bootstrap, users_topic, count=3, timeout=10)
        await eventually(lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0)
    finally:
        await relay.stop()

    assert [Envelope.from_bytes(r.value).data["username"] for r in records] == ["n0", "n1", "n2"]


async def test_entries_whose_express_publish_failed_are_swept(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    class FailsOnce(BrokerPublisher):
        failed = False

        async def send_many(self, messages: list) -> None:  # type: ignore[type-arg]
            if not self.failed:
                self.failed = True
                raise ConnectionError("broker unreachable")
            await super().send_many(messages)

    outbox = Outbox(database, source="users")
    relay = OutboxRelay(
        database, outbox, FailsOnce(broker), topics=TopicNames(namespace.topic_prefix), poll_seconds=0.2
    )
    unit_of_work = MongoUnitOfWork(mongo_client, outbox, committed=relay.publish_committed)
    relay.start()
    try:
        await _announce(unit_of_work, UserRegistered(user_id=9, username="late"))
        await eventually(lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0)
    finally:
        await relay.stop()

    [record] = await read_topic(namespace.kafka_bootstrap, users_topic, count=1)
    assert Envelope.from_bytes(record.value).data["username"] == "late"


def _express_relay(
    database: mongo.Database, broker: KafkaBroker, namespace: Namespace, outbox: Outbox
) -> OutboxRelay:
    return OutboxRelay(
        database,
        outbox,
        BrokerPublisher(broker),
        topics=TopicNames(namespace.topic_prefix),
        mark_gather_seconds=1.0,  # wide enough that the commits below share a window on a slow machine
    )


async def test_commits_published_one_by_one_are_marked_sent_in_one_write(
    sweep_held_elsewhere: None,
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    outbox = Outbox(database, source="users")
    relay = _express_relay(database, broker, namespace, outbox)
    relay.start()
    try:
        unit_of_work = MongoUnitOfWork(mongo_client, outbox, committed=relay.publish_committed)
        for index in range(4):
            await _announce(unit_of_work, UserRegistered(user_id=index + 1, username=f"one-by-one-{index}"))
        await read_topic(namespace.kafka_bootstrap, users_topic, count=4, timeout=10)
        await eventually(lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0)
        marks = await database.outbox.distinct("sent_at")
    finally:
        await relay.stop()

    assert len(marks) == 1, "four commits, one write marking them sent"


async def test_a_relay_stopped_before_marking_marks_what_it_published(
    sweep_held_elsewhere: None,
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    outbox = Outbox(database, source="users")
    relay = _express_relay(database, broker, namespace, outbox)
    relay.start()
    try:
        unit_of_work = MongoUnitOfWork(mongo_client, outbox, committed=relay.publish_committed)
        await _announce(unit_of_work, UserRegistered(user_id=3, username="stopped"))
        await read_topic(namespace.kafka_bootstrap, users_topic, count=1, timeout=10)
        unmarked_before_stop = await database.outbox.count_documents({"sent_at": None})
    finally:
        await relay.stop()

    assert unmarked_before_stop == 1, "published, not marked yet"
    assert await database.outbox.count_documents({"sent_at": None}) == 0


async def test_a_failed_mark_is_retried_without_publishing_again(
    namespace: Namespace,
    mongo_client: mongo.MongoClient,
    database: mongo.Database,
    broker: KafkaBroker,
    users_topic: str,
) -> None:
    class MarkFailsOnce(Outbox):
        failed = False

        async def mark_sent(self, document_ids: list) -> None:  # type: ignore[type-arg]
            if not self.failed:
                self.failed = True
                raise ConnectionError("database unreachable")
            await super().mark_sent(document_ids)

    outbox = MarkFailsOnce(database, source="users")
    relay = OutboxRelay(
        database,
        outbox,
        BrokerPublisher(broker),
        topics=TopicNames(namespace.topic_prefix),
        poll_seconds=0.05,
        # Old enough for a sweep long before the retried mark (~1.4 s after the commit), so the
        # sweeps would take the unmarked document were it not known; not at once, which would
        # let a sweep take it between the commit and its hand-over to the express path.
        sweep_after=timedelta(seconds=0.5),
    )
    relay.start()
    try:
        unit_of_work = MongoUnitOfWork(mongo_client, outbox, committed=relay.publish_committed)
        await _announce(unit_of_work, UserRegistered(user_id=5, username="marked-late"))
        # The mark is retried a second after it failed; sweeps ran every 0.05 s meanwhile.
        await eventually(lambda: database.outbox.count_documents({"sent_at": None}), lambda n: n == 0)
    finally:
        await relay.stop()

    assert outbox.failed
    records = await read_topic(namespace.kafka_bootstrap, users_topic, count=2, timeout=3)
    assert len(records) == 1
