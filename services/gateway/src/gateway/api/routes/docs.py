"""One OpenAPI document for the whole public API, and its interactive page."""

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.api.deps import Gateway

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi_document(gateway: Gateway) -> JSONResponse:
    return JSONResponse(await gateway.openapi.document())


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Chorus API")
