"""`chorus`: tap, replay, consumer groups, dead letters, topics and the AsyncAPI document.

Everything that changes state is a dry run unless given --execute (or --switch for
a replay); reading never joins a consumer group, so it never disturbs the services.
"""

import asyncio
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from aiokafka.errors import KafkaConnectionError, KafkaError

from chorus_backbone.topics import apply_topics, load_topics
from chorus_ops import dlq, groups, output
from chorus_ops.kafka_io import UnknownTopicError
from chorus_ops.projections import UnknownProjectionError, declared_projections, projection_named
from chorus_ops.replay import replay as run_replay
from chorus_ops.tap import TapFilter, tap
from chorus_ops.topics_view import describe_topics
from chorus_ops.when import BadTimeError, parse_when
from chorus_schemas import TopicNames, asyncapi

T = TypeVar("T")

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
groups_app = typer.Typer(help="Consumer groups: list, lag, move offsets.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter topics: list, show why, re-drive.", no_args_is_help=True)
topics_app = typer.Typer(help="Topics as declared in infra/kafka/topics.toml.", no_args_is_help=True)
app.add_typer(groups_app, name="groups")
app.add_typer(dlq_app, name="dlq")
app.add_typer(topics_app, name="topics")


@dataclass
class Bus:
    bootstrap: str
    topics: TopicNames


_bus = Bus(bootstrap="127.0.0.1:9092", topics=TopicNames())


@app.callback()
def bus_options(
    bootstrap: Annotated[
        str, typer.Option(envvar="CHORUS_KAFKA_BOOTSTRAP", help="Kafka bootstrap servers.")
    ] = "127.0.0.1:9092",
    prefix: Annotated[
        str, typer.Option(envvar="CHORUS_TOPIC_PREFIX", help="Namespace prepended to topic names.")
    ] = "",
) -> None:
    _bus.bootstrap = bootstrap
    _bus.topics = TopicNames(prefix)


class Refused(Exception):  # noqa: N818 (the user-facing outcome)
    """A request the tool declines with a clear reason (exit status 2)."""


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``, turning the failures a user can cause into one line and an exit status."""
    try:
        return asyncio.run(work)
    except (Refused, groups.GroupActiveError) as exc:
        output.people.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(2) from None
    except (UnknownTopicError, UnknownProjectionError, BadTimeError, ValueError) as exc:
        output.people.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except KafkaConnectionError as exc:
        output.people.print(f"[red]Kafka unreachable at {_bus.bootstrap}:[/red] {exc}")
        raise typer.Exit(3) from None
    except KafkaError as exc:
        output.people.print(f"[red]Kafka error:[/red] {exc}")
        raise typer.Exit(3) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


# --- tap ---------------------------------------------------------------------------------


@app.command("tap")
def tap_command(
    topic: Annotated[str, typer.Argument(help="Logical topic, e.g. ratings.events (the prefix is added).")],
    since: Annotated[str | None, typer.Option(help="Start at a time: ISO 8601 or 30m, 2h, 1d ago.")] = None,
    live: Annotated[bool, typer.Option(help="Start at the end and print what arrives.")] = False,
    follow: Annotated[bool, typer.Option(help="Keep printing after reaching the end.")] = False,
    event_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only this event type (repeatable).")
    ] = None,
    key: Annotated[list[str] | None, typer.Option(help="Only this key (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many events.")] = None,
) -> None:
    """Print a topic's events as JSON lines, each validated against its schema."""
    if live and since:
        raise typer.BadParameter("--live and --since exclude each other")
    where = TapFilter(frozenset(event_type or ()), frozenset(key or ()))

    async def print_events() -> None:
        async for tapped in tap(
            _bus.bootstrap,
            _bus.topics.name(topic),
            since=parse_when(since) if since else None,
            live=live,
            follow=follow,
            where=where,
            limit=limit,
        ):
            output.json_line(tapped.as_json())

    run(print_events())


# --- replay ------------------------------------------------------------------------------


@app.command("projections")
def projections_command() -> None:
    """List the projections that can be replayed."""
    output.table(
        "projections",
        ["name", "collections", "topics"],
        [
            (spec.name, ", ".join(spec.collections), ", ".join(str(s.topic) for s in spec.sources))
            for spec in declared_projections().values()
        ],
    )


@app.command("replay")
def replay_command(
    projection: Annotated[str, typer.Argument(help="A projection name (see `chorus projections`).")],
    since: Annotated[
        str | None, typer.Option(help="Re-apply events from this time on top of a copy of the live one.")
    ] = None,
    switch: Annotated[bool, typer.Option(help="Switch to the rebuilt generation when verified.")] = False,
    accept_differences: Annotated[
        bool, typer.Option(help="Switch even when the rebuilt one differs (the live one is damaged).")
    ] = False,
    keep_previous: Annotated[bool, typer.Option(help="Keep the replaced generation's collections.")] = False,
    catch_up_timeout: Annotated[float, typer.Option(min=0, help="Seconds to wait for live consumers.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Rebuild a service's projection from the topics beside the live one, verify, optionally switch.

    The service's settings (MongoDB, Kafka, prefixes) come from its own environment
    variables, e.g. CHORUS_FORUMS_MONGODB_URL.
    """
    if accept_differences and not switch:
        raise typer.BadParameter("--accept-differences only makes sense with --switch")

    async def rebuild() -> None:
        spec = projection_named(projection)
        settings = spec.settings()
        with output.event_progress(f"replaying {spec.name}") as progress:
            report = await run_replay(
                spec,
                settings,
                since=parse_when(since) if since else None,
                switch=switch,
                accept_differences=accept_differences,
                keep_previous=keep_previous,
                catch_up_timeout=catch_up_timeout,
                progress=progress,
            )
        if as_json:
            output.json_line(report.as_json())
        else:
            output.table(
                f"{spec.name}: generation {report.rebuilt_generation} vs live {report.live_generation}",
                ["collection", "live", "rebuilt", "missing", "extra", "changed"],
                [
                    (d.collection, d.live_documents, d.rebuilt_documents, d.missing, d.extra, d.changed)
                    for d in report.differences
                ],
            )
            output.people.print(
                f"{report.events_read} events read, {report.events_applied} applied, "
                f"{report.unreadable} unreadable; live consumers caught up: {report.live_caught_up}"
            )
            output.people.print(report.outcome)
        if switch and not report.switched:
            raise typer.Exit(1)

    run(rebuild())


# --- consumer groups ---------------------------------------------------------------------


@groups_app.command("list")
def groups_list() -> None:
    """Every consumer group the cluster knows."""
    for group in run(groups.list_groups(_bus.bootstrap)):
        output.json_line({"group": group})


@groups_app.command("lag")
def groups_lag(
    group: Annotated[str, typer.Argument(help="The full group id.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Committed offset, end offset and lag per partition."""

    async def show() -> None:
        state = await groups.describe_group(_bus.bootstrap, group)
        lags = await groups.group_lag(_bus.bootstrap, group)
        if as_json:
            for lag in lags:
                output.json_line({**lag.__dict__, "lag": lag.lag, "group": group, "state": state.state})
            return
        output.table(
            f"{group}: {state.state}, {state.members} member(s)",
            ["topic", "partition", "committed", "end", "lag"],
            [(x.topic, x.partition, x.committed, x.end, x.lag) for x in lags],
        )

    run(show())


@groups_app.command("move")
def groups_move(
    group: Annotated[str, typer.Argument(help="The full group id.")],
    topic: Annotated[str, typer.Option(help="Logical topic whose offsets move (the prefix is added).")],
    to_time: Annotated[str | None, typer.Option(help="First offset at or after this time.")] = None,
    to_offset: Annotated[int | None, typer.Option(min=0, help="This offset on every partition.")] = None,
    to_earliest: Annotated[bool, typer.Option(help="The beginning of the topic.")] = False,
    to_latest: Annotated[bool, typer.Option(help="The end of the topic (skip everything).")] = False,
    execute: Annotated[bool, typer.Option(help="Commit the move; without it, only show it.")] = False,
) -> None:
    """Move a stopped group's committed offsets; a dry run unless --execute."""
    chosen = [to_time is not None, to_offset is not None, to_earliest, to_latest]
    if sum(chosen) != 1:
        raise typer.BadParameter("give exactly one of --to-time, --to-offset, --to-earliest, --to-latest")

    async def move() -> None:
        moves = await groups.plan_move(
            _bus.bootstrap,
            group,
            _bus.topics.name(topic),
            to_time=parse_when(to_time) if to_time else None,
            to_offset=to_offset,
            to_latest=to_latest,
        )
        output.table(
            f"{group} on {_bus.topics.name(topic)}",
            ["partition", "committed", "target"],
            [(m.partition, m.current, m.target) for m in moves],
        )
        if not execute:
            state = await groups.describe_group(_bus.bootstrap, group)
            note = " (it is active: stop its consumers first)" if state.active else ""
            output.people.print(f"dry run: nothing moved; add --execute to commit{note}")
            return
        await groups.execute_move(_bus.bootstrap, group, moves)
        output.people.print(f"moved {group}")

    run(move())


# --- dead letters ------------------------------------------------------------------------


def _dlq_topic(topic: str) -> str:
    name = _bus.topics.name(topic)
    return name if name.endswith(".dlq") else f"{name}.dlq"


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="The source topic or its .dlq (the prefix is added).")],
    since: Annotated[str | None, typer.Option(help="Only letters from this time on.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1_000,
) -> None:
    """Each dead letter as a JSON line: where it is, what it was, why it failed."""

    async def show() -> None:
        when = parse_when(since) if since else None
        for letter in await dlq.dead_letters(_bus.bootstrap, _dlq_topic(topic), since=when, limit=limit):
            output.json_line(letter.summary())

    run(show())


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help="The source topic or its .dlq.")],
    position: Annotated[str, typer.Argument(help="partition:offset, as `dlq list` prints it.")],
) -> None:
    """One dead letter in full: its reason, headers and the event body."""

    async def show() -> None:
        letter = await _letter_at(_dlq_topic(topic), position)
        output.json_line(
            {**letter.summary(), "headers": letter.headers, "body": letter.value.decode("utf-8", "replace")}
        )

    run(show())


async def _letter_at(dlq_topic: str, position: str) -> dlq.DeadLetter:
    letters = {letter.position: letter for letter in await dlq.dead_letters(_bus.bootstrap, dlq_topic)}
    if position not in letters:
        raise Refused(f"no dead letter at {position} on {dlq_topic}")
    return letters[position]


@dlq_app.command("redrive")
def dlq_redrive(
    topic: Annotated[str, typer.Argument(help="The source topic or its .dlq.")],
    at: Annotated[
        list[str] | None, typer.Option(help="partition:offset of a letter to re-drive (repeatable).")
    ] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every letter on the topic.")] = False,
    execute: Annotated[bool, typer.Option(help="Publish; without it, only show what would go.")] = False,
) -> None:
    """Publish chosen dead letters to their original topic (consumers apply each event once)."""
    if bool(at) == all_letters:
        raise typer.BadParameter("give --at (one or more) or --all")

    async def redrive() -> None:
        dlq_topic = _dlq_topic(topic)
        letters = (
            await dlq.dead_letters(_bus.bootstrap, dlq_topic)
            if all_letters
            else [await _letter_at(dlq_topic, position) for position in at or []]
        )
        for letter in letters:
            output.json_line(
                {"redrive": letter.position, "to": letter.original_topic, "event": letter.event_id}
            )
        if not execute:
            output.people.print(f"dry run: {len(letters)} letter(s) would be re-driven; add --execute")
            return
        await dlq.redrive(_bus.bootstrap, dlq_topic, letters)
        output.people.print(f"re-drove {len(letters)} letter(s)")

    run(redrive())


# --- topics and documents ----------------------------------------------------------------


@topics_app.command("apply")
def topics_apply(
    file: Annotated[Path | None, typer.Option(help="Defaults to infra/kafka/topics.toml.")] = None,
    execute: Annotated[bool, typer.Option(help="Create missing topics; without it, only plan.")] = False,
) -> None:
    """Create missing topics and report drift; never deletes or shrinks anything."""

    async def apply() -> None:
        report = await apply_topics(
            _bus.bootstrap, load_topics(file), prefix=_bus.topics.prefix, dry_run=not execute
        )
        verb = "created" if execute else "would create"
        rows = [(name, verb) for name in report.created]
        rows += [(name, "ok") for name in report.unchanged]
        rows += [(name, "DRIFT: " + "; ".join(found)) for name, found in report.drift.items()]
        output.table("topics", ["topic", "state"], rows)
        for notice in report.notices:
            output.people.print(notice)

    run(apply())


@topics_app.command("describe")
def topics_describe(
    file: Annotated[Path | None, typer.Option(help="Defaults to infra/kafka/topics.toml.")] = None,
    drift_only: Annotated[bool, typer.Option("--drift", help="Only topics that differ.")] = False,
) -> None:
    """Each declared topic as it is on the cluster: partitions, messages, settings, drift."""
    views = run(describe_topics(_bus.bootstrap, load_topics(file), prefix=_bus.topics.prefix))
    for view in views:
        if not drift_only or view["drift"]:
            output.json_line(view)
    if drift_only and any(view["drift"] for view in views):
        raise typer.Exit(1)


@app.command("asyncapi")
def asyncapi_command(
    out: Annotated[Path | None, typer.Option("--output", help="Write to a file instead of stdout.")] = None,
) -> None:
    """The AsyncAPI 3.0 document of every topic and event."""
    body = asyncapi.dumps(asyncapi.document())
    if out is None:
        typer.echo(body.decode(), nl=False)
    else:
        out.write_bytes(body)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
