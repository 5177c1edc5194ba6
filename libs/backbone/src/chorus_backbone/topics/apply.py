"""Creates missing topics and reports drift; never deletes or shrinks anything."""

import asyncio
from dataclasses import dataclass, field, replace

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from chorus_backbone.topics.spec import TopicSpec

_TOPIC_ALREADY_EXISTS = 36


@dataclass
class TopicReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drift: dict[str, list[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def fit_to_cluster(spec: TopicSpec, brokers: int) -> tuple[TopicSpec, str | None]:
    """Cap replication (and min.insync.replicas) to the brokers there are."""
    if spec.replication_factor <= brokers:
        return spec, None
    config = dict(spec.config)
    if "min.insync.replicas" in config:
        config["min.insync.replicas"] = str(min(int(config["min.insync.replicas"]), brokers))
    notice = f"{spec.name}: replication {spec.replication_factor} capped to {brokers} broker(s)"
    return replace(spec, replication_factor=brokers, config=config), notice


async def _current_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    if not names:
        return {}
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    )
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for _error, _message, _type, name, entries in response.resources:
            configs[name] = {entry[0]: entry[1] for entry in entries}
    return configs


def _drift(spec: TopicSpec, partitions: int, config: dict[str, str]) -> list[str]:
    found = []
    if partitions != spec.partitions:
        found.append(f"partitions {partitions}, declared {spec.partitions}")
    for key, wanted in spec.config.items():
        if config.get(key) != wanted:
            found.append(f"{key}={config.get(key)}, declared {wanted}")
    return found


async def _create(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> set[str]:
    """Create topics; returns those that turned out to exist already (a concurrent apply)."""
    response = await admin.create_topics(
        [NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.config) for s in specs]
    )
    already = set()
    for name, code, *rest in response.topic_errors:
        if code == _TOPIC_ALREADY_EXISTS:
            already.add(name)
        elif code != 0:
            raise RuntimeError(f"creating topic {name} failed: error {code} {rest}")
    return already


async def _partition_counts(
    admin: AIOKafkaAdminClient, names: list[str], timeout: float = 15.0
) -> dict[str, int]:
    """Partition counts once every named topic's metadata has reached the broker."""
    if not names:
        return {}
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        topics = await admin.describe_topics(names)
        counts = {topic["topic"]: len(topic["partitions"]) for topic in topics}
        if all(counts.get(name) for name in names) or asyncio.get_running_loop().time() > deadline:
            return counts
        await asyncio.sleep(0.1)


async def apply_topics(
    bootstrap: str, specs: list[TopicSpec], *, prefix: str = "", dry_run: bool = False
) -> TopicReport:
    report = TopicReport()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    await admin.start()
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        listed = set(await admin.list_topics())
        fitted = []
        for declared in specs:
            spec, notice = fit_to_cluster(replace(declared, name=f"{prefix}{declared.name}"), brokers)
            if notice:
                report.notices.append(notice)
            fitted.append(spec)
        existing = await _partition_counts(admin, [spec.name for spec in fitted if spec.name in listed])
        missing = [spec for spec in fitted if spec.name not in existing]
        if missing and not dry_run:
            already = await _create(admin, missing)
            missing = [spec for spec in missing if spec.name not in already]
            existing.update(await _partition_counts(admin, [spec.name for spec in fitted]))
        report.created = [spec.name for spec in missing]
        present = [spec for spec in fitted if spec.name in existing and spec.name not in report.created]
        configs = await _current_configs(admin, [spec.name for spec in present])
        for spec in present:
            drift = _drift(spec, existing[spec.name], configs.get(spec.name, {}))
            if drift:
                report.drift[spec.name] = drift
            else:
                report.unchanged.append(spec.name)
    finally:
        await admin.close()
    return report
