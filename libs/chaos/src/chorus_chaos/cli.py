"""`chorus-chaos`: the chaos suite on demand (`./dev chaos`); the short form runs in the test suite."""

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path

from chorus_chaos.report import findings, table
from chorus_chaos.run import FULL, SHORT, Plan, run_chaos
from chorus_devinfra.paths import cache_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-chaos", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the CI form: fewer faults, shorter phases")
    parser.add_argument(
        "--fault", action="append", default=[], help="only these parts (repeatable), e.g. --fault redis"
    )
    args = parser.parse_args(argv)
    plan: Plan = SHORT if args.short else FULL
    if args.fault:
        plan = Plan(**{**plan.__dict__, "faults": tuple(args.fault)})
    state = cache_dir() / "chaos"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    started = time.monotonic()

    def say(line: str) -> None:
        print(f"{time.monotonic() - started:7.1f} s  {line}", flush=True)

    rows = asyncio.run(run_chaos(Path(state), plan, say))
    print()
    print(table(rows))
    problems = findings(rows)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
