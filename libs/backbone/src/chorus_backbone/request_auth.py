"""FastAPI dependencies that read and verify the caller's token.

A token comes as ``Authorization: Bearer <token>`` or, as the original
specification has it, in an ``auth_token`` header. Behind the gateway a user's
request also carries the gateway's seal of the verified token (``x-chorus-identity``,
which the gateway never takes from outside): checking the seal is one HMAC, so the
token is verified once, at the edge.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from chorus_backbone.auth import IDENTITY_HEADER, InvalidTokenError, Principal, TokenCodec, TokenKind
from chorus_backbone.errors import ChorusError, ErrorKind

_bearer = HTTPBearer(auto_error=False, description="A token from sign-in.")
_auth_token_header = APIKeyHeader(
    name="auth_token", auto_error=False, description="The same token, in the original header."
)


async def token_codec(request: Request) -> TokenCodec:
    codec: TokenCodec = request.app.state.tokens
    return codec


def _presented_token(bearer: HTTPAuthorizationCredentials | None, auth_token: str | None) -> str:
    token = bearer.credentials if bearer is not None else auth_token
    if not token:
        raise InvalidTokenError("a token is required: send Authorization: Bearer <token>")
    return token


async def _user(
    codec: Annotated[TokenCodec, Depends(token_codec)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    auth_token: Annotated[str | None, Depends(_auth_token_header)],
    request: Request,
) -> Principal:
    # Read from the request, not declared as a parameter: the seal is internal, not in the API.
    if (sealed := request.headers.get(IDENTITY_HEADER)) is not None:
        return codec.unseal(sealed)
    return codec.verify(_presented_token(bearer, auth_token), kind=TokenKind.USER)


async def _service(
    codec: Annotated[TokenCodec, Depends(token_codec)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    auth_token: Annotated[str | None, Depends(_auth_token_header)],
) -> Principal:
    token = _presented_token(bearer, auth_token)
    try:
        return codec.verify(token, kind=TokenKind.SERVICE)
    except InvalidTokenError as exc:
        try:
            codec.verify(token, kind=TokenKind.USER)
        except InvalidTokenError:
            raise exc from None
        # A valid user token where service credentials are required: known, but not allowed.
        raise ChorusError(
            ErrorKind.FORBIDDEN, "service_credentials_required", "only services may call this"
        ) from None


CurrentUser = Annotated[Principal, Depends(_user)]
CallingService = Annotated[Principal, Depends(_service)]
