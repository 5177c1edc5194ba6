"""One OpenAPI document for the whole public API, merged from the services' own."""

import time
from typing import Any

import aiohttp
import orjson

from chorus_backbone.api_docs import error_response, error_schemas
from gateway.edge.routing import SERVICES
from gateway.upstreams.pool import UpstreamPool

_CACHE_SECONDS = 60.0


def _namespaced(service: str, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The service's paths and schemas, schema names prefixed so services cannot collide.

    The error shape is the same everywhere and keeps its one name."""
    schemas = document.get("components", {}).get("schemas", {})
    shared = set(error_schemas())
    text = orjson.dumps({"paths": document.get("paths", {}), "schemas": schemas}).decode()
    for name in set(schemas) - shared:
        text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{service}.{name}"')
    renamed = orjson.loads(text)
    return renamed["paths"], {
        f"{service}.{name}": schema for name, schema in renamed["schemas"].items() if name not in shared
    }


def _with_edge_errors(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation can also be refused at the edge: past a limit, with its service away,
    or (with a body) when the body is too slow to arrive."""
    for operations in paths.values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in (429, 503, *((408,) if "requestBody" in operation else ())):
                responses.setdefault(str(status), error_response(status))
    return paths


class MergedOpenApi:
    def __init__(self, client: aiohttp.ClientSession, pool: UpstreamPool, own: dict[str, Any]) -> None:
        self.client = client
        self.pool = pool
        self.own = own
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def document(self) -> dict[str, Any]:
        if self._cached and time.monotonic() - self._cached[0] < _CACHE_SECONDS:
            return self._cached[1]
        paths = dict(self.own.get("paths", {}))
        schemas = {**self.own.get("components", {}).get("schemas", {}), **error_schemas()}
        security_schemes: dict[str, Any] = {}
        missing = []
        for service in SERVICES:
            document = await self._fetch(service)
            if document is None:
                missing.append(service)
                continue
            service_paths, service_schemas = _namespaced(service, document)
            security_schemes.update(document.get("components", {}).get("securitySchemes", {}))
            paths.update({p: v for p, v in service_paths.items() if p.startswith("/api/")})
            schemas.update(service_schemas)
        merged = {
            **self.own,
            "info": {
                "title": "Chorus",
                "version": self.own.get("info", {}).get("version", "0.1.0"),
                "description": "Rate, review and talk about music: every public endpoint, via the gateway."
                + (f" (Not reachable now: {', '.join(missing)}.)" if missing else ""),
            },
            "paths": _with_edge_errors(dict(sorted(paths.items()))),
            "components": {
                **self.own.get("components", {}),
                "schemas": schemas,
                "securitySchemes": security_schemes,
            },
        }
        if not missing:
            self._cached = (time.monotonic(), merged)
        return merged

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        for url in await self.pool.candidates(service):
            try:
                async with self.client.get(f"{url}/openapi.json") as response:
                    if response.status == 200:
                        return dict(orjson.loads(await response.read()))
            except (aiohttp.ClientError, TimeoutError):
                continue
        return None
