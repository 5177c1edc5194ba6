"""`chorus-analytics run` consumes; `chorus-analytics report` shows trending albums and busy rooms."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from analytics.report import Report, build_report, draw_chart
from analytics.settings import AnalyticsSettings
from analytics.store import AnalyticsStore
from chorus_backbone import mongo
from chorus_backbone.serve import run as serve

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)


@app.command()
def run() -> None:
    """Consume ratings.events and forums.events into the analytics store (health at /readyz)."""
    from analytics.api.app import create_app  # noqa: PLC0415

    settings = AnalyticsSettings()
    serve(create_app(settings), settings)


async def _report(hours: int, top: int) -> Report:
    settings = AnalyticsSettings()
    client = mongo.connect(settings.mongodb_url, app_name="chorus-analytics-report")
    try:
        store = AnalyticsStore(client[settings.mongodb_database])
        return await build_report(store, now=datetime.now(UTC), hours=hours, top=top)
    finally:
        await client.close()


def _print(report: Report) -> None:
    console = Console()
    albums = Table(title=f"Trending albums since {report.since:%Y-%m-%d %H:%M} UTC")
    for column in ("album", "ratings", "per hour"):
        albums.add_column(column)
    for count in report.albums:
        albums.add_row(
            count.label, str(count.total), " ".join(str(n) for _, n in sorted(count.by_hour.items()))
        )
    rooms = Table(title="Busiest rooms")
    for column in ("room", "messages", "joins"):
        rooms.add_column(column)
    for count in report.rooms:
        rooms.add_row(count.label, str(count.total), str(report.joins.get(count.subject_id, 0)))
    console.print(albums)
    console.print(rooms)


@app.command()
def report(
    hours: Annotated[int, typer.Option(min=1, max=24 * 90, help="The window, in hours back from now.")] = 24,
    top: Annotated[int, typer.Option(min=1, max=100)] = 10,
    chart: Annotated[Path | None, typer.Option(help="Also draw the report as a PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Trending albums (ratings per hour) and the busiest rooms in the window."""
    result = asyncio.run(_report(hours, top))
    if as_json:
        typer.echo(orjson.dumps(result.as_json()).decode())
    else:
        _print(result)
    if chart is not None:
        draw_chart(result, chart)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
