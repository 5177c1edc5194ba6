"""The table a chaos run ends with (Markdown, as docs/chaos.md keeps it)."""

from chorus_chaos.run import FaultRow

HEADER = (
    "| fault (SIGKILL, then restart) | acknowledged | refused with 503 | unanswered "
    "| lost | doubled | load back after | projections = replay |\n"
    "|---|---|---|---|---|---|---|---|"
)


def table(rows: list[FaultRow]) -> str:
    lines = [HEADER]
    for row in rows:
        back = f"{row.back_after_seconds:.1f} s" if row.back_after_seconds is not None else "never"
        replayed = "no" if row.verdict.projections_unlike_replay else "yes"
        lines.append(
            f"| {row.fault} | {row.acknowledged} | {row.refused} | {row.unanswered} "
            f"| {row.lost} | {row.doubled} | {back} | {replayed} |"
        )
    return "\n".join(lines)


def findings(rows: list[FaultRow]) -> list[str]:
    """What went wrong, one line per fault that was not clean."""
    return [f"{row.fault}: {row.verdict.summary()}" for row in rows if not row.verdict.clean]
