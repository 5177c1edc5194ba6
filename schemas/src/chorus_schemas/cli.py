"""`chorus-schemas check|write`: keep schema snapshots and generated gRPC code current."""

import argparse
import sys

from chorus_schemas import asyncapi, protos, snapshots


def _check() -> int:
    report = snapshots.compare()
    for name, problems in report.breaking.items():
        print(f"BREAKING {name}: {'; '.join(problems)} (publish a new version instead)")
    for name in report.stale:
        print(f"stale snapshot {name}")
    stale_code = protos.stale_files()
    for name in stale_code:
        print(f"stale generated gRPC code {name}")
    asyncapi_current = asyncapi.is_current()
    if not asyncapi_current:
        print(f"stale AsyncAPI document {asyncapi.ASYNCAPI_FILE.name}")
    if report.ok and not stale_code and asyncapi_current:
        print("schemas: snapshots, the AsyncAPI document and generated gRPC code are current")
        return 0
    if not report.breaking:
        print("run `just schemas` to regenerate")
    return 1


def _write() -> int:
    report = snapshots.write()
    for name, problems in report.breaking.items():
        print(f"REFUSED {name}: {'; '.join(problems)} (publish a new version instead)")
    for name in report.stale:
        print(f"wrote snapshot {name}")
    if asyncapi.write():
        print(f"wrote AsyncAPI document {asyncapi.ASYNCAPI_FILE.name}")
    for name in protos.write():
        print(f"wrote gRPC code {name}")
    return 1 if report.breaking else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus-schemas", description=__doc__)
    parser.add_argument("action", choices=["check", "write"])
    args = parser.parse_args(argv)
    return _check() if args.action == "check" else _write()


if __name__ == "__main__":
    sys.exit(main())
