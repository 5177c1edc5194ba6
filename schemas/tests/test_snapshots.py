import shutil
from pathlib import Path

import orjson

from chorus_schemas import protos, snapshots
from chorus_schemas.compatibility import breaking_changes
from chorus_schemas.events.ratings import RatingChanged


def test_committed_snapshots_match_the_code() -> None:
    report = snapshots.compare()

    assert report.ok, f"breaking={report.breaking} stale={report.stale}: run `just schemas`"


def test_committed_grpc_code_matches_the_proto_files() -> None:
    assert protos.stale_files() == []


def _schema(model: type[RatingChanged]) -> dict[str, object]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return schema


def test_removing_a_field_is_breaking() -> None:
    old = _schema(RatingChanged)
    new = dict(old, properties={k: v for k, v in old["properties"].items() if k != "score"})  # type: ignore[attr-defined]

    assert breaking_changes(old, new) == ["field 'score' was removed"]


def test_changing_a_field_type_is_breaking() -> None:
    old = _schema(RatingChanged)
    properties = dict(old["properties"])  # type: ignore[call-overload]
    properties["rating_id"] = {"type": "string"}

    assert breaking_changes(old, dict(old, properties=properties)) == [
        "field 'rating_id' changed type or constraints"
    ]


def test_a_new_required_field_is_breaking_and_a_new_optional_one_is_not() -> None:
    old = _schema(RatingChanged)
    properties = {**old["properties"], "mood": {"type": "string"}}  # type: ignore[dict-item]

    optional = dict(old, properties=properties)
    required = dict(optional, required=[*old["required"], "mood"])  # type: ignore[misc]

    assert breaking_changes(old, optional) == []
    assert breaking_changes(old, required) == ["field 'mood' is newly required"]


def test_the_snapshot_check_fails_on_a_breaking_change_and_write_refuses_it(
    tmp_path: Path,
) -> None:
    shutil.copytree(snapshots.SNAPSHOT_DIR, tmp_path, dirs_exist_ok=True)
    snapshot = tmp_path / "ratings.RatingChanged.v1.json"
    published = orjson.loads(snapshot.read_bytes())
    # What consumers were promised included a field the code no longer has.
    published["properties"]["mood"] = {"type": "string"}
    snapshot.write_bytes(orjson.dumps(published))

    report = snapshots.compare(tmp_path)
    written = snapshots.write(tmp_path)

    assert report.breaking == {"ratings.RatingChanged.v1.json": ["field 'mood' was removed"]}
    assert written.breaking == report.breaking
    assert orjson.loads(snapshot.read_bytes()) == published


def test_an_additive_change_only_makes_the_snapshot_stale(tmp_path: Path) -> None:
    shutil.copytree(snapshots.SNAPSHOT_DIR, tmp_path, dirs_exist_ok=True)
    snapshot = tmp_path / "ratings.RatingChanged.v1.json"
    published = orjson.loads(snapshot.read_bytes())
    del published["properties"]["previous_score"]  # the code added it since
    snapshot.write_bytes(orjson.dumps(published))

    report = snapshots.compare(tmp_path)
    snapshots.write(tmp_path)

    assert report.breaking == {}
    assert report.stale == ["ratings.RatingChanged.v1.json"]
    assert snapshots.compare(tmp_path).ok


def test_a_removed_event_version_is_breaking(tmp_path: Path) -> None:
    shutil.copytree(snapshots.SNAPSHOT_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "ratings.RatingChanged.v0.json").write_bytes(b"{}")

    report = snapshots.compare(tmp_path)

    assert "ratings.RatingChanged.v0.json" in report.breaking
