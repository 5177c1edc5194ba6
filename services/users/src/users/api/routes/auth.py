"""Sign up and sign in."""

from fastapi import APIRouter, status

from chorus_backbone.api_docs import errors
from users.api.deps import AccountsHandler, ClientAddress
from users.api.models import Confirmation, Credentials, NewAccount, SignedIn

router = APIRouter(prefix="/api/users/auth", tags=["auth"])


@router.post(
    "/signup", status_code=status.HTTP_201_CREATED, response_model=Confirmation, responses=errors(409)
)
async def signup(body: NewAccount, accounts: AccountsHandler) -> Confirmation:
    """Create an account; usernames are unique regardless of case."""
    user = await accounts.register(body.username, body.password)
    return Confirmation(message="user created", id=user.id)


@router.post("/signin", response_model=SignedIn, responses=errors(401, 429))
async def signin(body: Credentials, accounts: AccountsHandler, address: ClientAddress) -> SignedIn:
    """Exchange a username and password for a signed token."""
    return SignedIn(auth_token=await accounts.sign_in(body.username, body.password, address))
