"""One error shape everywhere: {"error": {"code", "message", "request_id"}}; never a stack trace."""

import logging
from collections.abc import Iterable
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure as PyMongoConnectionFailure
from pymongo.errors import OperationFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Route

from chorus_backbone.correlation import current_correlation_id

logger = logging.getLogger(__name__)


class ErrorKind(StrEnum):
    """What went wrong, in terms a handler knows; the HTTP edge maps it to a status."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


_STATUS = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.INVALID: 422,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
}


def http_status(kind: ErrorKind) -> int:
    """The HTTP status an error of this kind is answered with."""
    return _STATUS[kind]


class ChorusError(Exception):
    """An error a client can act on, raised by handlers (which never see HTTP)."""

    def __init__(
        self,
        kind: ErrorKind,
        code: str,
        message: str,
        *,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class ApiError(Exception):
    """An error raised at the HTTP edge with an explicit status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": current_correlation_id(), **extra}}


def _code_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=exc.headers)


async def _chorus_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChorusError)
    headers = None
    if exc.retry_after_seconds is not None:
        headers = {"Retry-After": str(max(1, exc.retry_after_seconds))}
    return JSONResponse(error_body(exc.code, exc.message), _STATUS[exc.kind], headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    allowed: AllowedMethods | None = getattr(request.app.state, "allowed_methods", None)
    if exc.status_code == 405 and allowed is not None:
        headers = {**(headers or {}), "Allow": ", ".join(allowed.at(request.scope["path"]))}
    return JSONResponse(
        error_body(_code_for(exc.status_code), str(exc.detail)), exc.status_code, headers=headers
    )


class AllowedMethods:
    """Every method some route answers at a path, for a 405's ``Allow``.

    The router's own 405 names the methods of the first route whose path matched only."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._routes = [(route.path_regex, route.methods) for route in routes if isinstance(route, Route)]

    def at(self, path: str) -> list[str]:
        return sorted(
            {method for regex, methods in self._routes if regex.match(path) for method in methods or ()}
        )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return JSONResponse(error_body("invalid_json", "the request body is not valid JSON"), 400)
    fields = [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors()
    ]
    return JSONResponse(error_body("validation_failed", "the request did not validate", fields=fields), 422)


async def _dependency_down(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("a dependency is unavailable: %r", exc)
    return JSONResponse(
        error_body("unavailable", "a service Chorus depends on is unavailable; try again shortly"),
        503,
        headers={"Retry-After": "5"},
    )


# Server-side failures of the database (not mistakes in a query): the client should retry later.
_DATABASE_FAILURE_CODES = frozenset({1, 6, 7, 50, 89, 91, 189, 10107, 11600, 11602, 13435, 13436})


async def _database_failure(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OperationFailure)
    if exc.code in _DATABASE_FAILURE_CODES or exc.has_error_label("TransientTransactionError"):
        return await _dependency_down(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal", "something went wrong on our side"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ChorusError, _chorus_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unavailable in (PyMongoConnectionFailure, RedisConnectionError, RedisTimeoutError):
        app.add_exception_handler(unavailable, _dependency_down)
    app.add_exception_handler(OperationFailure, _database_failure)
    app.add_exception_handler(Exception, _unexpected)
