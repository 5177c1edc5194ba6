"""Consumer lag by group and partition, measured against the broker, for /metrics."""

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from chorus_backbone import metrics

logger = logging.getLogger(__name__)


class LagMonitor:
    """Every ``interval`` seconds: end offsets minus committed offsets, per partition."""

    def __init__(
        self, bootstrap: str, groups: Iterable[tuple[str, str, str]], interval: float = 10.0
    ) -> None:
        self.bootstrap = bootstrap
        self.groups = list(groups)  # (group, physical topic, logical topic)
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def measure(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        reader = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await admin.start()
        await reader.start()
        try:
            for group, topic, label in self.groups:
                described = await admin.describe_topics([topic])
                partitions = [TopicPartition(topic, p["partition"]) for p in described[0]["partitions"]]
                if not partitions:
                    continue
                ends = await reader.end_offsets(partitions)
                committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
                for partition in partitions:
                    offset = committed.get(partition)
                    done = offset.offset if offset is not None and offset.offset >= 0 else 0
                    metrics.CONSUMER_LAG.labels(group, label, str(partition.partition)).set(
                        max(0, ends[partition] - done)
                    )
        finally:
            await reader.stop()
            await admin.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.measure()
            except Exception:
                logger.warning("consumer lag not measured this round", exc_info=True)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self.groups:
            self._task = asyncio.create_task(self._run(), name="consumer-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
