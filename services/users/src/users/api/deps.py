"""Dependencies of the users routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query, Request

from chorus_backbone.app import from_state
from users.handlers.accounts import Accounts
from users.handlers.friends import Friends
from users.settings import UsersSettings


async def _client_address(request: Request) -> str:
    settings: UsersSettings = request.app.state.settings
    forwarded = request.headers.get("x-forwarded-for")
    if settings.trust_forwarded_for and forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


AccountsHandler = Annotated[Accounts, Depends(from_state("accounts"))]
FriendsHandler = Annotated[Friends, Depends(from_state("friends"))]
ClientAddress = Annotated[str, Depends(_client_address)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
