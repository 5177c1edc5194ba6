"""What the checks after a fault found: writes lost or doubled, things that never caught up."""

from dataclasses import dataclass, field

EXAMPLES = 5


@dataclass
class Verdict:
    lost_writes: list[str] = field(default_factory=list)
    doubled_writes: list[str] = field(default_factory=list)
    not_settled: list[str] = field(default_factory=list)
    projections_unlike_replay: list[str] = field(default_factory=list)
    caught_up_seconds: float = 0.0  # from the pause of the load until nothing lagged

    def lost(self, what: str) -> None:
        self.lost_writes.append(what)

    def doubled(self, what: str) -> None:
        self.doubled_writes.append(what)

    def unsettled(self, what: str) -> None:
        self.not_settled.append(what)

    def differs(self, what: str) -> None:
        self.projections_unlike_replay.append(what)

    @property
    def clean(self) -> bool:
        return not (
            self.lost_writes or self.doubled_writes or self.not_settled or self.projections_unlike_replay
        )

    def summary(self) -> str:
        parts = [
            f"{label}: {len(items)} (e.g. {items[:EXAMPLES]})"
            for label, items in (
                ("lost", self.lost_writes),
                ("doubled", self.doubled_writes),
                ("not settled", self.not_settled),
                ("projections unlike a replay", self.projections_unlike_replay),
            )
            if items
        ]
        return "; ".join(parts) or "clean"
