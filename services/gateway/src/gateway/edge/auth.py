"""The token check at the edge: verified once here, the services trust what the gateway forwards."""

from chorus_backbone.auth import Principal, TokenCodec, TokenKind
from chorus_backbone.errors import ChorusError, ErrorKind


def verify_user(codec: TokenCodec, token: str | None) -> Principal:
    """The signed-in user the token names; 401 in the error shape when it is missing or invalid."""
    if not token:
        raise ChorusError(
            ErrorKind.UNAUTHORIZED, "invalid_token", "a token is required: send Authorization: Bearer <token>"
        )
    return codec.verify(token, kind=TokenKind.USER)
