"""Generated gRPC code for the .proto files, and a check that it is current.

The generated modules are committed (so services need no code generator at run
time); the check regenerates them into a scratch folder and compares.
"""

import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parents[2] / "proto"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
GRPC_PACKAGE = "chorus_schemas/grpc"


def proto_files() -> list[Path]:
    return sorted((PROTO_ROOT / GRPC_PACKAGE).glob("*.proto"))


def generate(out_root: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) and return the generated files."""
    # grpcio-tools is a development tool, not a run-time dependency of the schemas.
    from grpc_tools import protoc  # noqa: PLC0415

    out_root.mkdir(parents=True, exist_ok=True)
    scripts = Path(sys.executable).parent
    args = [
        "protoc",
        f"--plugin=protoc-gen-mypy={scripts / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={scripts / 'protoc-gen-mypy_grpc'}",
        f"-I{PROTO_ROOT}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--mypy_out={out_root}",
        f"--mypy_grpc_out={out_root}",
        *(str(path) for path in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    return sorted(path for path in (out_root / GRPC_PACKAGE).iterdir() if path.is_file())


def stale_files() -> list[str]:
    """Generated files that differ from what protoc makes now (or are missing)."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(Path(scratch))
        committed = PACKAGE_ROOT / GRPC_PACKAGE
        return [
            path.name
            for path in fresh
            if not (committed / path.name).exists()
            or not filecmp.cmp(path, committed / path.name, shallow=False)
        ]


def write() -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        target = PACKAGE_ROOT / GRPC_PACKAGE
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for path in generate(Path(scratch)):
            shutil.copyfile(path, target / path.name)
            written.append(path.name)
        (target / "__init__.py").touch()
        return written
