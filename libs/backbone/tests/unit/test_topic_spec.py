from pathlib import Path

from chorus_backbone.topics import TopicSpec, load_topics
from chorus_backbone.topics.apply import fit_to_cluster


def test_topics_inherit_defaults_and_override_them(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        """
        [defaults]
        partitions = 6
        replication_factor = 3
        [defaults.config]
        "retention.ms" = "1000"
        "cleanup.policy" = "delete"

        [topics."a.events"]
        partitions = 2
        [topics."a.events".config]
        "retention.ms" = 5000
        """
    )

    [spec] = load_topics(path)

    assert spec == TopicSpec(
        name="a.events",
        partitions=2,
        replication_factor=3,
        config={"retention.ms": "5000", "cleanup.policy": "delete"},
    )


def test_replication_is_capped_to_the_brokers_there_are() -> None:
    spec = TopicSpec("a", 3, 3, {"min.insync.replicas": "2"})

    single, notice = fit_to_cluster(spec, brokers=1)
    full, no_notice = fit_to_cluster(spec, brokers=3)

    assert single.replication_factor == 1
    assert single.config["min.insync.replicas"] == "1"
    assert notice is not None
    assert full == spec
    assert no_notice is None
