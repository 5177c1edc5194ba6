"""Decides whether a new JSON Schema of an event version is a safe, additive change."""

from typing import Any

Schema = dict[str, Any]


def _properties(schema: Schema) -> dict[str, Any]:
    return dict(schema.get("properties", {}))


def _comparable(field_schema: Any) -> Any:
    """A field's schema without the parts that never affect what validates."""
    if not isinstance(field_schema, dict):
        return field_schema
    ignored = {"title", "description", "examples", "default"}
    return {key: _comparable(value) for key, value in field_schema.items() if key not in ignored}


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """List what in ``new`` could reject or misread data valid under ``old``.

    Additive changes (a new optional field, new descriptions) are not breaking.
    """
    problems: list[str] = []
    old_fields, new_fields = _properties(old), _properties(new)
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name, old_field in old_fields.items():
        if name not in new_fields:
            problems.append(f"field {name!r} was removed")
        elif _comparable(old_field) != _comparable(new_fields[name]):
            problems.append(f"field {name!r} changed type or constraints")
    for name in sorted(new_required - old_required):
        problems.append(f"field {name!r} is newly required")
    if _comparable(old.get("$defs")) != _comparable(new.get("$defs")):
        problems.append("nested definitions changed")
    return problems
