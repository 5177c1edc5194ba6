"""Consumer groups: who is in them, how far behind they are, and moving their offsets safely."""

from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from chorus_ops.kafka_io import admin_client, end_offsets, group_free_reader, partitions_of, start_offsets

# States in which no member holds partitions, so committed offsets may be rewritten.
_IDLE_STATES = frozenset({"Empty", "Dead"})


class GroupActiveError(RuntimeError):
    """The group has members: moving its offsets under them would be overwritten or race them."""


@dataclass(frozen=True)
class GroupState:
    group: str
    state: str
    members: int

    @property
    def active(self) -> bool:
        return self.state not in _IDLE_STATES or self.members > 0


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None
    end: int

    @property
    def lag(self) -> int:
        return self.end - (self.committed or 0)


@dataclass(frozen=True)
class OffsetMove:
    topic: str
    partition: int
    current: int | None
    target: int


async def list_groups(bootstrap: str) -> list[str]:
    async with admin_client(bootstrap) as admin:
        return sorted(group for group, *_ in await admin.list_consumer_groups())


async def describe_group(bootstrap: str, group: str) -> GroupState:
    async with admin_client(bootstrap) as admin:
        [response] = await admin.describe_consumer_groups([group])
    # DescribeGroups v0-v2 rows: (error, group id, state, protocol type, protocol, members)
    [row] = [row for row in response.groups if row[1] == group]
    return GroupState(group=group, state=row[2], members=len(row[5]))


async def committed(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    async with admin_client(bootstrap) as admin:
        offsets = await admin.list_consumer_group_offsets(group)
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def group_lag(bootstrap: str, group: str, topics: list[str] | None = None) -> list[PartitionLag]:
    """Lag per partition of every topic the group has committed on (or of ``topics``)."""
    commits = await committed(bootstrap, group)
    names = sorted(set(topics or [tp.topic for tp in commits]))
    async with group_free_reader(bootstrap) as consumer:
        partitions = [tp for name in names for tp in await partitions_of(consumer, name)]
        ends = await end_offsets(consumer, partitions)
    return [PartitionLag(tp.topic, tp.partition, commits.get(tp), ends[tp]) for tp in partitions]


async def plan_move(
    bootstrap: str,
    group: str,
    topic: str,
    *,
    to_time: datetime | None = None,
    to_offset: int | None = None,
    to_latest: bool = False,
) -> list[OffsetMove]:
    """Where each partition of ``topic`` would move: to a time, an offset (clamped), the end, or the start."""
    commits = await committed(bootstrap, group)
    async with group_free_reader(bootstrap) as consumer:
        partitions = await partitions_of(consumer, topic)
        ends = await end_offsets(consumer, partitions)
        beginnings = await start_offsets(consumer, partitions, None)
        if to_latest:
            targets = ends
        elif to_offset is not None:
            targets = {tp: min(max(to_offset, beginnings[tp]), ends[tp]) for tp in partitions}
        else:
            targets = await start_offsets(consumer, partitions, to_time)
    return [OffsetMove(tp.topic, tp.partition, commits.get(tp), targets[tp]) for tp in partitions]


async def execute_move(bootstrap: str, group: str, moves: list[OffsetMove]) -> None:
    """Commit the planned offsets for ``group``; refuses while the group has members."""
    state = await describe_group(bootstrap, group)
    if state.active:
        raise GroupActiveError(
            f"group {group} is {state.state} with {state.members} member(s); stop its consumers first"
        )
    # Committing without joining: the broker accepts it only for a group with no members,
    # which closes the window between the check above and this commit.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(move.topic, move.partition) for move in moves]
        consumer.assign(partitions)
        await consumer.commit(
            {TopicPartition(move.topic, move.partition): OffsetAndMetadata(move.target, "") for move in moves}
        )
    finally:
        await consumer.stop()
