"""Answering a read from the page cache, with an ETag so a client can skip what it has."""

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from chorus_backbone.page_cache import PageCache

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the page the request's If-None-Match names is current."}
}


def _etag(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


async def cached_json(
    request: Request, pages: PageCache, scope: str, key: str, render: Callable[[], Awaitable[bytes]]
) -> Response:
    """The page from the cache, or rendered (and kept); 304 when the client already has it."""
    page = await pages.get(scope, key)
    body = page.body
    if body is None:
        body = await render()
        await pages.put(scope, page, key, body)
    etag = _etag(body)
    headers = {"etag": etag, "cache-control": "no-cache"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
