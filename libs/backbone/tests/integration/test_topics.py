"""Topics as code against a real broker."""

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from chorus_backbone.topics import apply_topics, load_topics
from chorus_devinfra.probes import eventually
from chorus_devinfra.pytest_plugin import Namespace

pytestmark = pytest.mark.integration


async def test_the_topic_file_applies_twice_without_error_and_the_second_time_changes_nothing(
    namespace: Namespace,
) -> None:
    specs = load_topics()

    first = await apply_topics(namespace.kafka_bootstrap, specs, prefix=namespace.topic_prefix)
    second = await apply_topics(namespace.kafka_bootstrap, specs, prefix=namespace.topic_prefix)

    expected = sorted(f"{namespace.topic_prefix}{spec.name}" for spec in specs)
    assert sorted(first.created) == expected
    assert first.unchanged == []
    assert second.created == []
    assert second.drift == {}
    assert sorted(second.unchanged) == expected


async def test_every_topic_in_the_event_catalogue_is_declared_with_its_dlq() -> None:
    declared = {spec.name for spec in load_topics()}

    for topic in ("users.events", "ratings.events", "ratings.commands", "forums.events"):
        assert topic in declared
        assert f"{topic}.dlq" in declared


async def test_created_topics_carry_the_declared_partitions_and_settings(
    namespace: Namespace,
) -> None:
    await apply_topics(namespace.kafka_bootstrap, load_topics(), prefix=namespace.topic_prefix)
    name = f"{namespace.topic_prefix}ratings.events"

    admin = AIOKafkaAdminClient(bootstrap_servers=namespace.kafka_bootstrap)
    await admin.start()
    try:
        # Partition metadata reaches the broker's cache a moment after creation.
        [topic] = await eventually(
            lambda: admin.describe_topics([name]), lambda topics: bool(topics[0]["partitions"])
        )
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    finally:
        await admin.close()
    config = {entry[0]: entry[1] for entry in response.resources[0][4]}

    assert len(topic["partitions"]) == 6
    assert config["retention.ms"] == "2592000000"
    assert config["cleanup.policy"] == "delete"
    assert config["min.insync.replicas"] == "1"  # capped to the single local broker


async def test_drift_is_reported_and_nothing_is_deleted_or_shrunk(namespace: Namespace) -> None:
    specs = load_topics()
    await apply_topics(namespace.kafka_bootstrap, specs, prefix=namespace.topic_prefix)
    fewer = [
        spec if spec.name != "forums.events" else type(spec)(**{**spec.__dict__, "partitions": 2})
        for spec in specs
    ]

    report = await apply_topics(namespace.kafka_bootstrap, fewer, prefix=namespace.topic_prefix)

    name = f"{namespace.topic_prefix}forums.events"
    assert report.drift == {name: ["partitions 6, declared 2"]}
    assert report.created == []


async def test_plan_shows_what_apply_would_create_without_creating_it(
    namespace: Namespace,
) -> None:
    specs = load_topics()

    plan = await apply_topics(namespace.kafka_bootstrap, specs, prefix=namespace.topic_prefix, dry_run=True)
    after = await apply_topics(namespace.kafka_bootstrap, specs, prefix=namespace.topic_prefix, dry_run=True)

    assert len(plan.created) == len(specs)
    assert after.created == plan.created
