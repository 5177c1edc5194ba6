"""Sign up and sign in."""

from fastapi import APIRouter, status

from users.api.deps import ClientAddress, Users
from users.api.models import Confirmation, Credentials, SignedIn
from users.handlers import accounts

router = APIRouter(prefix="/api/users/auth", tags=["auth"])


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=Confirmation)
async def signup(body: Credentials, users: Users) -> Confirmation:
    """Create an account; usernames are unique regardless of case."""
    user = await accounts.register(users, body.username, body.password)
    return Confirmation(message="user created", id=user.id)


@router.post("/signin", response_model=SignedIn)
async def signin(body: Credentials, users: Users, address: ClientAddress) -> SignedIn:
    """Exchange a username and password for a signed token."""
    return SignedIn(auth_token=await accounts.sign_in(users, body.username, body.password, address))
