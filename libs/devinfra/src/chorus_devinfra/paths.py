"""Where installs, data and logs live: folders the repository ignores."""

from pathlib import Path


def repo_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "infra" / "kafka" / "pom.xml").exists():
            return parent
    raise FileNotFoundError("cannot find the Chorus repository root (infra/kafka/pom.xml)")


def cache_dir() -> Path:
    """Downloaded software (Kafka jars). Survives `just down`; safe to delete."""
    return repo_root() / ".cache"


def data_dir() -> Path:
    """Running state of `just up`: data folders, pid files, logs."""
    return repo_root() / ".data"
