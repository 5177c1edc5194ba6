"""The caller's own account."""

from fastapi import APIRouter

from chorus_backbone.request_auth import CurrentUser
from users.api.deps import Users
from users.api.models import Me
from users.handlers import accounts

router = APIRouter(prefix="/api/users", tags=["me"])


@router.get("/me", response_model=Me)
async def me(caller: CurrentUser, users: Users) -> Me:
    """Who the token belongs to."""
    user = await accounts.profile(users, caller.user_id)
    return Me(id=user.id, username=user.username, created_at=user.created_at)
