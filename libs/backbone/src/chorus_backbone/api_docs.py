"""What a service's OpenAPI document says about errors: every status it answers, in the one error shape.

A route declares the errors its own rules give (``responses=errors(404, 409)``);
``describe_errors`` adds those every route of a kind can give: 422 for input that
does not validate, 400 and 413 for a body, 401 where a token is needed, 503 when a
database is away. The gateway adds its own (429) when it merges the documents.
"""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

_MEANINGS = {
    400: "A bad parameter, or a body that is not JSON.",
    401: "No token, or one that is malformed, expired or wrongly signed.",
    403: "Not yours, or not allowed with these credentials.",
    404: "No such resource (or not one the caller may see).",
    408: "The body did not arrive in time.",
    409: "Conflicts with what exists.",
    413: "The body is larger than allowed.",
    422: "The input did not validate; `fields` names the failing ones.",
    429: "Rate limited; retry after `Retry-After` seconds.",
    503: "A service or database Chorus depends on is away; retry after `Retry-After` seconds.",
}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None
    fields: list[FieldError] | None = None


class ErrorResponse(BaseModel):
    """Every error, from every service and the gateway."""

    error: ErrorDetail


ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def error_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of an error status (a document-level form of ``errors``)."""
    return {"description": _MEANINGS[status], "content": {"application/json": {"schema": ERROR_SCHEMA_REF}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` a route declares for the errors its own rules give."""
    return {status: {"model": ErrorResponse, "description": _MEANINGS[status]} for status in statuses}


def add_common_errors(document: dict[str, Any]) -> None:
    """Declare, on every operation, the errors every operation of its kind can answer."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in error_schemas().items():
        schemas.setdefault(name, schema)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            common = [503]
            if operation.get("parameters") or "requestBody" in operation:
                common.append(422)
            if "requestBody" in operation:
                common += [400, 413]
            if operation.get("security"):
                common.append(401)
            for status in common:
                responses[str(status)] = error_response(status)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def describe_errors(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document declare the errors every route of a kind can give."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            add_common_errors(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def error_schemas() -> dict[str, Any]:
    """The error shape's schemas, by the names the documents use."""
    schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {"ErrorResponse": schema, **nested}
