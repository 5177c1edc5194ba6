"""How the tool prints: JSON lines on stdout for scripts, tables and progress on stderr for people."""

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

people = Console(stderr=True)


def json_line(document: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(document, default=str) + b"\n")
    sys.stdout.flush()


def table(title: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    shown = Table(title=title)
    for column in columns:
        shown.add_column(column)
    for row in rows:
        shown.add_row(*("" if cell is None else str(cell) for cell in row))
    Console().print(shown)


class EventProgress:
    """A progress bar over events read (the replay's Progress protocol)."""

    def __init__(self, progress: Progress, description: str) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=None)

    def total(self, events: int) -> None:
        self.progress.update(self.task, total=events)

    def advance(self, events: int) -> None:
        self.progress.advance(self.task, events)


@contextmanager
def event_progress(description: str) -> Iterator[EventProgress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=people,
        transient=False,
    ) as progress:
        yield EventProgress(progress, description)
