"""Field types for strict request bodies that still follow JSON's own rules.

Request models are strict: ``true`` is not a number and ``0`` is not a boolean. JSON
(and JSON Schema) counts ``2.0`` as the integer 2, so a whole number may come either way.
"""

from pydantic import BeforeValidator


def _whole_number(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Goes after an integer's own constraints, so that they stay in its JSON Schema:
# ``Annotated[int, Field(ge=1), ACCEPTS_WHOLE_FLOAT]``.
ACCEPTS_WHOLE_FLOAT = BeforeValidator(_whole_number)
