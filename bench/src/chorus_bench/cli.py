"""`chorus-bench [scenario ...] [--smoke] [--only SYSTEM]`: run scenarios; tables, JSON figures, plots."""

import argparse
import signal
import sys
import time
import traceback

from chorus_bench.cores import placement

SCENARIOS = ("fanout", "gateway", "event-path", "write-path", "read-path", "memory", "db-writes")


def _module(name: str):  # type: ignore[no-untyped-def]
    from chorus_bench.scenarios import (  # noqa: PLC0415
        db_writes,
        event_path,
        fanout,
        gateway,
        memory,
        read_path,
        write_path,
    )

    return {
        "fanout": fanout,
        "gateway": gateway,
        "event-path": event_path,
        "write-path": write_path,
        "read-path": read_path,
        "memory": memory,
        "db-writes": db_writes,
    }[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], help="default: all")
    parser.add_argument(
        "--smoke", action="store_true", help="a few messages, small N, one repeat: proves the harness"
    )
    parser.add_argument("--only", action="append", help="systems whose name contains this (repeatable)")
    args = parser.parse_args(argv)
    # Stopped from outside, still stop everything started (the `finally` blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    chosen = args.scenarios or list(SCENARIOS)
    print(f"chorus-bench: {', '.join(chosen)}; {placement()}", flush=True)
    failed = []
    for name in chosen:
        started = time.monotonic()
        try:
            _module(name).run(smoke=args.smoke, systems=args.only)
        except Exception:  # one scenario's failure must not cost the others their figures
            traceback.print_exc()
            failed.append(name)
        print(f"{name}: {time.monotonic() - started:.0f} s", flush=True)
    if not args.smoke:
        from chorus_bench import summary  # noqa: PLC0415

        print(f"summary: {summary.write()}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
