"""The three-node Kafka mode used for fault tests: losing one broker loses no acknowledged event."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from chorus_backbone.topics import apply_topics, load_topics
from chorus_devinfra.kafka import KafkaCluster, KafkaNode
from chorus_devinfra.probes import read_topic
from chorus_devinfra.process import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    nodes = [KafkaNode(index, free_port(), free_port()) for index in (1, 2, 3)]
    cluster = KafkaCluster(Path(tmp_path_factory.mktemp("kafka3")), nodes)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.kill()


async def test_a_three_node_cluster_keeps_every_acknowledged_event_when_a_broker_dies(
    cluster: KafkaCluster,
) -> None:
    report = await apply_topics(cluster.bootstrap, load_topics())
    assert report.notices == []  # replication 3 and min.insync.replicas 2 fit as declared

    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for index in range(20):
            await producer.send_and_wait("ratings.events", f"before-{index}".encode(), key=b"7")
        cluster.process(cluster.nodes[0]).kill()
        for index in range(20):
            await producer.send_and_wait("ratings.events", f"after-{index}".encode(), key=b"7")
    finally:
        await producer.stop()

    survivors = ",".join(f"127.0.0.1:{node.port}" for node in cluster.nodes[1:])
    records = await read_topic(survivors, "ratings.events", count=40, timeout=60)
    assert [record.value.decode() for record in records] == [
        *(f"before-{index}" for index in range(20)),
        *(f"after-{index}" for index in range(20)),
    ]
