"""Liveness (`/healthz`) and readiness (`/readyz`: every dependency answers) endpoints."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis

from chorus_backbone.mongo import MongoClient

Check = Callable[[], Awaitable[bool]]


def mongo_check(client: MongoClient) -> Check:
    async def check() -> bool:
        await client.admin.command("ping")
        return True

    return check


def redis_check(redis: "Redis") -> Check:
    async def check() -> bool:
        return bool(await redis.ping())

    return check


def kafka_check(broker: KafkaBroker, timeout: float) -> Check:
    async def check() -> bool:
        return await broker.ping(timeout)

    return check


async def _run(check: Check, timeout: float) -> bool:
    try:
        return await asyncio.wait_for(check(), timeout)
    except Exception:
        return False


def health_router(
    checks: Mapping[str, Check], *, timeout: float = 2.0, optional: frozenset[str] = frozenset()
) -> APIRouter:
    """/healthz and /readyz; a dependency in ``optional`` that is down makes the answer ``degraded``
    (still 200: the process serves without it)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @router.get("/readyz", summary="Every dependency answers")
    async def readyz() -> JSONResponse:
        """Ready when every dependency it needs answers; degraded when one it can do without does not."""
        names = list(checks)
        results = await asyncio.gather(*(_run(checks[name], timeout) for name in names))
        status = {name: "ok" if ok else "down" for name, ok in zip(names, results, strict=True)}
        ready = all(ok for name, ok in zip(names, results, strict=True) if name not in optional)
        verdict = "not_ready" if not ready else "ready" if all(results) else "degraded"
        return JSONResponse({"status": verdict, "checks": status}, status_code=200 if ready else 503)

    return router
