"""The connections and event machinery one service instance runs with."""

import asyncio
import logging
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from faststream.kafka import KafkaBroker
from redis.asyncio import Redis

from chorus_backbone import mongo
from chorus_backbone.batch_consumer import BatchEventConsumer, BatchHandler
from chorus_backbone.consumer import EventConsumer, EventHandler, RetryPolicy
from chorus_backbone.dead_letters import DeadLetters
from chorus_backbone.health import Check, kafka_check, mongo_check, redis_check
from chorus_backbone.kafka import BrokerPublisher, make_broker
from chorus_backbone.lag import LagMonitor
from chorus_backbone.outbox import Outbox
from chorus_backbone.redis_pool import waiting_redis
from chorus_backbone.relay import OutboxRelay
from chorus_backbone.settings import ServiceSettings
from chorus_backbone.topics import apply_topics, load_topics
from chorus_backbone.unit_of_work import MongoUnitOfWork
from chorus_schemas import Event, TopicNames

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Built from settings by a service's bootstrap; started and stopped by its lifespan."""

    settings: ServiceSettings
    mongo_client: mongo.MongoClient
    database: mongo.Database
    redis: Redis
    broker: KafkaBroker
    topics: TopicNames
    outbox: Outbox
    relay: OutboxRelay
    unit_of_work: MongoUnitOfWork
    consumers: list[EventConsumer] = field(default_factory=list)
    lag_monitor: LagMonitor | None = None

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "Runtime":
        client = mongo.connect(settings.mongodb_url, app_name=settings.service_name)
        database = client[settings.mongodb_database]
        broker = make_broker(settings.kafka_bootstrap, client_id=settings.service_name)
        topics = TopicNames(settings.topic_prefix)
        outbox = Outbox(
            database,
            source=settings.service_name,
            sent_ttl=timedelta(seconds=settings.outbox_sent_ttl_seconds),
        )
        relay = OutboxRelay(
            database,
            outbox,
            BrokerPublisher(broker),
            topics=topics,
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
            lease_duration=timedelta(seconds=settings.outbox_lease_seconds),
            sweep_after=timedelta(seconds=settings.outbox_sweep_after_seconds),
        )
        return cls(
            settings=settings,
            mongo_client=client,
            database=database,
            redis=waiting_redis(
                settings.redis_url, settings.redis_max_connections, settings.redis_wait_seconds
            ),
            broker=broker,
            topics=topics,
            outbox=outbox,
            relay=relay,
            unit_of_work=MongoUnitOfWork(
                client,
                outbox,
                committed=relay.publish_committed,
                timeout_seconds=settings.write_timeout_seconds,
            ),
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.settings.consumer_max_attempts,
            initial_backoff=self.settings.consumer_backoff_initial_seconds,
            max_backoff=self.settings.consumer_backoff_max_seconds,
        )

    def group(self, name: str) -> str:
        return self.settings.consumer_group(name)

    def dead_letters(self, group: str) -> DeadLetters:
        return DeadLetters(BrokerPublisher(self.broker), group=group)

    def consumer(self, topic: str, name: str, handlers: Mapping[type[Event], EventHandler]) -> EventConsumer:
        """A consumer in this service's group ``name``, with its retries and dead-letter topic."""
        group = self.group(name)
        return EventConsumer(
            topic=topic,
            group=group,
            handlers=handlers,
            dead_letters=self.dead_letters(group),
            retry=self.retry_policy,
            topics=self.topics,
        )

    def batch_consumer(
        self,
        topic: str,
        name: str,
        handles: Collection[type[Event]],
        on_batch: BatchHandler,
        *,
        gather_ms: int = 0,
    ) -> BatchEventConsumer:
        """A consumer in this service's group ``name`` that stores each fetched batch at once."""
        group = self.group(name)
        return BatchEventConsumer(
            topic=topic,
            group=group,
            handles=handles,
            on_batch=on_batch,
            dead_letters=self.dead_letters(group),
            retry=self.retry_policy,
            topics=self.topics,
            gather_ms=gather_ms,
        )

    def add_consumer(self, consumer: EventConsumer) -> None:
        """Register before start(): FastStream subscribers are fixed once the broker runs."""
        consumer.register(self.broker)
        self.consumers.append(consumer)

    def readiness_checks(self) -> dict[str, Check]:
        timeout = self.settings.readiness_timeout_seconds
        return {
            "mongodb": mongo_check(self.mongo_client),
            "kafka": kafka_check(self.broker, timeout),
            "redis": redis_check(self.redis),
        }

    async def start(self, *, apply_topic_file: bool = True) -> None:
        await self.outbox.ensure_indexes()
        if apply_topic_file:
            report = await apply_topics(
                self.settings.kafka_bootstrap, load_topics(), prefix=self.settings.topic_prefix
            )
            for name, drift in report.drift.items():
                logger.warning("topic %s drifted from its declaration: %s", name, drift)
        await self.broker.start()
        self.relay.start()
        self.lag_monitor = LagMonitor(
            self.settings.kafka_bootstrap,
            [(c.group, c.topic, c.logical_topic) for c in self.consumers],
            interval=self.settings.lag_interval_seconds,
        )
        self.lag_monitor.start()

    async def stop(self) -> None:
        # A Kafka consumer caught in a group rebalance can take long to leave; shutdown
        # must still finish (offsets are only committed after handling, so nothing is lost).
        timeout = self.settings.shutdown_step_seconds
        if self.lag_monitor is not None:
            await _bounded("consumer lag monitor", self.lag_monitor.stop(), timeout)
        await _bounded("outbox relay", self.relay.stop(), timeout)
        await _bounded("Kafka broker", self.broker.stop(), timeout)
        await self.redis.aclose()
        await self.mongo_client.close()


async def _bounded(name: str, stopping: Awaitable[None], seconds: float) -> None:
    # Not asyncio.wait_for: after its timeout it waits for the cancelled stop to finish,
    # and a Kafka consumer stuck in a rebalance may not finish for minutes.
    task = asyncio.ensure_future(stopping)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        logger.warning("%s did not stop within %ss; shutting down without it", name, seconds)
        task.cancel()
        _abandoned.add(task)
        task.add_done_callback(_abandoned.discard)
    elif not task.cancelled() and (error := task.exception()) is not None:
        logger.warning("%s failed while stopping: %r", name, error)


# Stops given up on, kept referenced until they end so they are not collected mid-flight.
_abandoned: set[asyncio.Future[None]] = set()
