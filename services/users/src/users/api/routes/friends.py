"""Friends: search, requests, answers, the friend list."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from chorus_backbone.api_docs import errors
from chorus_backbone.request_auth import CurrentUser
from users.api.deps import FriendsHandler, Limit, Offset
from users.api.models import Confirmation, UserSummary
from users.domain.friendships import RequestOutcome
from users.domain.models import User

router = APIRouter(prefix="/api/users/friends", tags=["friends"])

UserId = Annotated[int, Path(ge=1, le=2**53, description="A user's id.")]


def _summaries(users: list[User]) -> list[UserSummary]:
    return [UserSummary(id=user.id, username=user.username) for user in users]


@router.get("/search", response_model=list[UserSummary])
async def search(
    caller: CurrentUser,
    friends: FriendsHandler,
    uname: Annotated[str, Query(min_length=1, max_length=32, description="Part of a username.")],
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[UserSummary]:
    """Users whose name contains `uname`, any case; never the caller."""
    found = await friends.search(caller.user_id, uname, limit=limit, offset=offset)
    return _summaries(found)


@router.post("/req/{id:int}", response_model=Confirmation, responses=errors(400, 404, 409))
async def request_friend(id: UserId, caller: CurrentUser, friends: FriendsHandler) -> Confirmation:
    """Ask a user to be friends; if they already asked you, you become friends."""
    outcome = await friends.send_request(caller.user_id, id)
    if outcome is RequestOutcome.ACCEPTED_CROSSING:
        return Confirmation(message="you were both asking: you are now friends", id=id)
    return Confirmation(message="friend request sent", id=id)


@router.get("/get", response_model=list[UserSummary])
async def pending(
    caller: CurrentUser, friends: FriendsHandler, limit: Limit = 20, offset: Offset = 0
) -> list[UserSummary]:
    """Pending friend requests sent to the caller: who sent them."""
    return _summaries(await friends.pending_requests(caller.user_id, limit=limit, offset=offset))


@router.post("/add", response_model=Confirmation, responses=errors(404))
async def resolve(
    caller: CurrentUser,
    friends: FriendsHandler,
    id: Annotated[int, Query(ge=1, le=2**53, description="The sender's user id.")],
    accepted: Annotated[bool, Query(description="true to accept, false to decline.")],
) -> Confirmation:
    """Accept or decline a pending request from user `id`."""
    await friends.resolve_request(caller.user_id, id, accepted)
    verdict = "accepted" if accepted else "declined"
    return Confirmation(message=f"friend request {verdict}", id=id)


@router.get("", response_model=list[UserSummary])
async def friend_list(
    caller: CurrentUser, friends: FriendsHandler, limit: Limit = 20, offset: Offset = 0
) -> list[UserSummary]:
    """The caller's friends."""
    return _summaries(await friends.friends(caller.user_id, limit=limit, offset=offset))


@router.delete("/{id:int}", response_model=Confirmation, responses=errors(404))
async def unfriend(id: UserId, caller: CurrentUser, friends: FriendsHandler) -> Confirmation:
    """End a friendship."""
    await friends.remove_friend(caller.user_id, id)
    return Confirmation(message="friend removed", id=id)
