"""Dependencies of the users routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query, Request

from users.bootstrap import UsersService


def _service(request: Request) -> UsersService:
    service: UsersService = request.app.state.users
    return service


def _client_address(request: Request) -> str:
    service = _service(request)
    forwarded = request.headers.get("x-forwarded-for")
    if service.settings.trust_forwarded_for and forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


Users = Annotated[UsersService, Depends(_service)]
ClientAddress = Annotated[str, Depends(_client_address)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
