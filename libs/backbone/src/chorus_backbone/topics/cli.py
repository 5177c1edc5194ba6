"""`chorus-topics apply|plan`: apply the declarative topic file to a Kafka cluster."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from chorus_backbone.topics.apply import TopicReport, apply_topics
from chorus_backbone.topics.spec import load_topics


def _print(report: TopicReport, *, dry_run: bool) -> None:
    verb = "would create" if dry_run else "created"
    for name in report.created:
        print(f"{verb:>12}  {name}")
    for name in report.unchanged:
        print(f"{'ok':>12}  {name}")
    for name, problems in report.drift.items():
        print(f"{'DRIFT':>12}  {name}: {'; '.join(problems)}")
    for notice in report.notices:
        print(f"{'note':>12}  {notice}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-topics", description=__doc__)
    parser.add_argument("action", choices=["apply", "plan"], help="plan only shows what apply does")
    parser.add_argument("--bootstrap", default=os.environ.get("CHORUS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--file", type=Path, default=None, help="defaults to infra/kafka/topics.toml")
    parser.add_argument("--prefix", default="", help="namespace prepended to every topic name")
    args = parser.parse_args(argv)
    dry_run = args.action == "plan"
    report = asyncio.run(
        apply_topics(args.bootstrap, load_topics(args.file), prefix=args.prefix, dry_run=dry_run)
    )
    _print(report, dry_run=dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
