"""A database that fails on its side is a 503 with the error shape; a bad query stays a 500."""

import httpx
from fastapi import FastAPI
from pymongo.errors import OperationFailure

from chorus_backbone.errors import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/server-side")
    async def server_side() -> None:
        raise OperationFailure("internal server error", code=1)

    @app.get("/bad-query")
    async def bad_query() -> None:
        raise OperationFailure("unknown operator: $nope", code=2)

    return app


async def test_an_internal_error_of_the_database_is_unavailable_and_retryable() -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        server_side = await client.get("/server-side")
        bad_query = await client.get("/bad-query")

    assert server_side.status_code == 503
    assert server_side.headers["retry-after"] == "5"
    assert server_side.json()["error"]["code"] == "unavailable"
    assert bad_query.status_code == 500
    assert bad_query.json()["error"]["code"] == "internal"
