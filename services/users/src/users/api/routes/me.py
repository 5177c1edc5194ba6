"""The caller's own account."""

from fastapi import APIRouter

from chorus_backbone.request_auth import CurrentUser
from users.api.deps import AccountsHandler
from users.api.models import Me

router = APIRouter(prefix="/api/users", tags=["me"])


@router.get("/me", response_model=Me)
async def me(caller: CurrentUser, accounts: AccountsHandler) -> Me:
    """Who the token belongs to."""
    user = await accounts.profile(caller.user_id)
    return Me(id=user.id, username=user.username, created_at=user.created_at)
