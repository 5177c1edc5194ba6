"""The analytics report: trending albums and busiest rooms over a window, as a table, JSON and a chart."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from analytics.store import AnalyticsStore, Count


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    albums: list[Count]
    rooms: list[Count]
    joins: dict[int, int]

    def as_json(self) -> dict[str, Any]:
        def rows(counts: list[Count], field: str) -> list[dict[str, Any]]:
            return [
                {
                    "id": count.subject_id,
                    "label": count.label,
                    field: count.total,
                    "by_hour": {hour.isoformat(): n for hour, n in sorted(count.by_hour.items())},
                }
                for count in counts
            ]

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "trending_albums": rows(self.albums, "ratings"),
            "busiest_rooms": [
                {**row, "joins": self.joins.get(row["id"], 0)} for row in rows(self.rooms, "messages")
            ],
        }


async def build_report(store: AnalyticsStore, *, now: datetime, hours: int, top: int) -> Report:
    since = now - timedelta(hours=hours)
    return Report(
        since=since,
        until=now,
        albums=await store.trending_albums(since, top),
        rooms=await store.busiest_rooms(since, top),
        joins=await store.room_joins(since),
    )


def draw_chart(report: Report, path: Path) -> None:
    """Ratings per hour for the trending albums, and messages per room, in one PNG."""
    import matplotlib  # noqa: PLC0415 (heavy; only the report needs it)

    matplotlib.use("Agg")
    import matplotlib.dates as mdates  # noqa: PLC0415
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure, (albums_axis, rooms_axis) = plt.subplots(1, 2, figsize=(12, 4.5))
    for count in report.albums:
        hours = sorted(count.by_hour)
        albums_axis.plot(hours, [count.by_hour[h] for h in hours], marker="o", label=count.label[:30])
    albums_axis.set_title("Trending albums: ratings per hour")
    albums_axis.set_ylabel("ratings")
    if report.albums:
        albums_axis.legend(fontsize="small")
    else:
        albums_axis.text(0.5, 0.5, "no ratings in the window", ha="center", transform=albums_axis.transAxes)
    albums_axis.set_xlim(report.since, report.until)
    albums_axis.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))  # type: ignore[no-untyped-call]
    albums_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    albums_axis.set_ylim(bottom=0)
    labels = [count.label[:20] for count in report.rooms]
    rooms_axis.barh(labels[::-1], [count.total for count in report.rooms][::-1])
    rooms_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not report.rooms:
        rooms_axis.text(0.5, 0.5, "no messages in the window", ha="center", transform=rooms_axis.transAxes)
        rooms_axis.set_yticks([])
    rooms_axis.set_title("Busiest rooms: messages in the window")
    rooms_axis.set_xlabel("messages")
    figure.suptitle(f"Chorus activity {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
