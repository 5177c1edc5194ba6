"""Cross-service test helpers: settings that point a service at this test's namespace."""

from typing import TypeVar

from chorus_backbone.settings import ServiceSettings
from chorus_devinfra.pytest_plugin import Namespace

S = TypeVar("S", bound=ServiceSettings)


def settings_for(settings_class: type[S], namespace: Namespace, **overrides: object) -> S:
    return settings_class(
        kafka_bootstrap=namespace.kafka_bootstrap,
        mongodb_url=namespace.mongo_url,
        mongodb_database=f"{namespace.database}_{settings_class.__name__.lower()}",
        redis_url=namespace.redis_url,
        redis_key_prefix=namespace.redis_prefix,
        topic_prefix=namespace.topic_prefix,
        consumer_group_prefix=namespace.topic_prefix,
        **overrides,
    )
