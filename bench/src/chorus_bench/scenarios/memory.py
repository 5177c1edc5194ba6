"""Scenario 5, memory: RSS per idle WebSocket member (1,000 in rooms) and each service's RSS at rest."""

import subprocess
import sys
import time

import httpx
import psutil

from chorus_backbone.auth import TokenCodec
from chorus_backbone.settings import TokenSettings
from chorus_bench.chorus_stack import start_chorus
from chorus_bench.cores import CLIENT_CORES, on_cores
from chorus_bench.harness import Point, print_table, save
from chorus_bench.system import chorus_service, running

MIB = 1024 * 1024


def _rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def run(*, smoke: bool = False, systems: list[str] | None = None) -> list[Point]:
    members, rooms = (10, 2) if smoke else (1_000, 10)
    points: list[Point] = []
    with running("memory") as started:
        chorus = start_chorus(started)
        chorus_service(
            started,
            chorus.stack,
            "analytics",
            store="forums",
            extra={"MONGODB_DATABASE": "chorus_analytics"},
            arguments=("run",),
        )
        time.sleep(2 if smoke else 10)
        for process in started.processes:
            if process.name in ("users", "reviews", "forums-1", "gateway", "analytics"):
                rss = _rss(process.pid() or 0)
                points.append(
                    Point(process.name, {"measure": "RSS at rest"}, {"rss_mib": round(rss / MIB, 1)})
                )
        forums = next(p for p in started.processes if p.name == "forums-1")
        codec = TokenCodec(TokenSettings().token_keys())
        tokens = started.state / "tokens.txt"
        tokens.write_text("\n".join(codec.issue_user_token(i, f"idle{i}") for i in range(1, members + 1)))
        room_ids = [
            str(
                httpx.post(
                    f"{chorus.urls['forums']}/api/games/create",
                    headers={"Authorization": f"Bearer {codec.issue_user_token(90_000 + r, 'host')}"},
                    timeout=30,
                ).json()["lobby_id"]
            )
            for r in range(rooms)
        ]
        before = _rss(forums.pid() or 0)
        command = [
            sys.executable,
            "-m",
            "chorus_bench.loadgen.idle_members",
            "--url",
            chorus.urls["forums"].replace("http://", "ws://"),
            "--token-file",
            str(tokens),
            "--members",
            str(members),
        ]
        for room in room_ids:
            command += ["--room", room]
        holder = subprocess.Popen(
            on_cores(command, CLIENT_CORES), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout is not None
            if holder.stdout.readline().strip() != "ready":
                raise RuntimeError("members did not all join")
            time.sleep(2 if smoke else 10)
            during = _rss(forums.pid() or 0)
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(60)
        per_member = (during - before) / members
        points.append(
            Point(
                "forums",
                {"measure": f"RSS per idle member ({members} in {rooms} rooms)"},
                {
                    "kib_per_member": round(per_member / 1024, 1),
                    "rss_before_mib": round(before / MIB, 1),
                    "rss_with_members_mib": round(during / MIB, 1),
                },
            )
        )
    print_table(
        "memory",
        ["service", "measure", "value"],
        [
            [
                p.system,
                p.params["measure"],
                f"{p.metrics['rss_mib']} MiB"
                if "rss_mib" in p.metrics
                else f"{p.metrics['kib_per_member']} KiB",
            ]
            for p in points
        ],
    )
    if not smoke:
        save("memory", points, {"members": members, "rooms": rooms})
    return points
