"""Declared topics side by side with what the cluster has: partitions, size, settings, drift."""

from typing import Any

from chorus_backbone.topics import TopicSpec, apply_topics
from chorus_ops.kafka_io import end_offsets, group_free_reader, partitions_of, start_offsets


async def describe_topics(
    bootstrap: str, specs: list[TopicSpec], *, prefix: str = ""
) -> list[dict[str, Any]]:
    report = await apply_topics(bootstrap, specs, prefix=prefix, dry_run=True)
    views = []
    async with group_free_reader(bootstrap) as consumer:
        for spec in specs:
            name = f"{prefix}{spec.name}"
            view: dict[str, Any] = {
                "topic": name,
                "declared_partitions": spec.partitions,
                "declared_config": spec.config,
                "exists": name not in report.created,
                "drift": report.drift.get(name, []),
            }
            if view["exists"]:
                partitions = await partitions_of(consumer, name)
                ends = await end_offsets(consumer, partitions)
                starts = await start_offsets(consumer, partitions, None)
                view["partitions"] = len(partitions)
                view["messages"] = sum(ends[tp] - starts[tp] for tp in partitions)
            views.append(view)
    return views
