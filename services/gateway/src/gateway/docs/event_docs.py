"""The bus's AsyncAPI document beside the OpenAPI one: raw at /asyncapi.json, readable at /docs/events."""

from html import escape
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from chorus_schemas import asyncapi


def _schema_block(schema: dict[str, Any]) -> str:
    return f"<pre>{escape(orjson.dumps(schema, option=orjson.OPT_INDENT_2).decode())}</pre>"


def render(document: dict[str, Any]) -> str:
    """One self-contained page (no scripts, no outside assets): channels, their messages, schemas."""
    schemas = document["components"]["schemas"]
    messages = document["components"]["messages"]
    sections = []
    for name, channel in document["channels"].items():
        items = []
        for ref in channel["messages"].values():
            message = messages[ref["$ref"].rsplit("/", 1)[1]]
            data_ref = next(
                (
                    part["properties"]["data"]["$ref"]
                    for part in message["payload"].get("allOf", [])
                    if "data" in part.get("properties", {})
                ),
                None,
            )
            schema = schemas[data_ref.rsplit("/", 1)[1]] if data_ref else message.get("headers", {})
            items.append(
                f"<details><summary><code>{escape(message['name'])}</code> "
                f"{escape(message.get('summary', ''))}</summary>{_schema_block(schema)}</details>"
            )
        sections.append(
            f'<section id="{escape(name)}"><h2><code>{escape(name)}</code></h2>'
            f"<p>{escape(channel['description'])}</p>{''.join(items)}</section>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(document['info']['title'])}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "pre{background:#f4f4f4;padding:.5rem;overflow:auto}summary{cursor:pointer}</style></head><body>"
        f"<h1>{escape(document['info']['title'])}</h1><p>{escape(document['info']['description'])} "
        "The machine-readable document is at <a href='/asyncapi.json'>/asyncapi.json</a>; every message's "
        f"payload is the <a href='#envelope'>envelope</a> with the event as <code>data</code>.</p>"
        f"{''.join(sections)}"
        f"<section id='envelope'><h2>Envelope</h2>{_schema_block(schemas['Envelope'])}</section>"
        "</body></html>"
    )


def event_docs_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    body = asyncapi.dumps(asyncapi.document())
    page = render(asyncapi.document())

    @router.get("/asyncapi.json")
    async def asyncapi_document() -> Response:
        return Response(body, media_type="application/json")

    @router.get("/docs/events")
    async def event_docs() -> HTMLResponse:
        return HTMLResponse(page)

    return router
