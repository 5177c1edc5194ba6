"""Every public `/api/...` request: checked at the edge, then forwarded to the owning service."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.live_room import presented_token
from gateway.api.deps import Gateway
from gateway.edge.auth import verify_user
from gateway.edge.routing import is_public, owner_of, takes_service_credentials

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

router = APIRouter()


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.api_route("/api/{rest:path}", methods=METHODS, include_in_schema=False)
async def route(request: Request, rest: str, gateway: Gateway) -> Response:
    path = request.url.path
    service = owner_of(path)
    if service is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "not_found", "no such endpoint")
    token = presented_token(request.headers)
    user: str | None = None
    if not is_public(request.method, path) and not takes_service_credentials(path):
        user = verify_user(gateway.tokens, token).subject
    address = _client_address(request)
    await gateway.limiter.admit(address, user)
    return await gateway.forwarder.forward(request, service, token, address)
