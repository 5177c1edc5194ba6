"""Signed tokens: user sign-in tokens and service credentials, issued and verified.

Two kinds with separate signing keys: a user token (from sign-in) can never pass
where a service credential is required, and no endpoint issues service credentials.
"""

import base64
import binascii
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from chorus_backbone.errors import ChorusError, ErrorKind

_ALGORITHM = "HS256"
_LEEWAY_SECONDS = 5

IDENTITY_HEADER = "x-chorus-identity"
"""Who the gateway found a request to be from: a user token's principal, sealed (see ``seal``)."""


class TokenKind(StrEnum):
    USER = "user"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for."""

    kind: TokenKind
    subject: str  # a user id, or a service name
    username: str | None = None

    @property
    def user_id(self) -> int:
        if self.kind is not TokenKind.USER:
            raise ChorusError(ErrorKind.FORBIDDEN, "user_token_required", "a user token is required")
        return int(self.subject)


@dataclass(frozen=True)
class TokenKeys:
    issuer: str
    key_id: str
    user_secret: str
    service_secret: str
    user_token_ttl: timedelta = timedelta(hours=12)
    service_token_ttl: timedelta = timedelta(hours=1)


class InvalidTokenError(ChorusError):
    def __init__(self, reason: str) -> None:
        super().__init__(ErrorKind.UNAUTHORIZED, "invalid_token", reason)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    def __init__(self, keys: TokenKeys) -> None:
        self.keys = keys
        # Seals have a key of their own, derived from the user-token secret: they change with it.
        self._seal_key = hmac.digest(keys.user_secret.encode(), b"chorus identity seal", "sha256")

    def _secret(self, kind: TokenKind) -> str:
        return self.keys.user_secret if kind is TokenKind.USER else self.keys.service_secret

    def issue_user_token(self, user_id: int, username: str) -> str:
        return self._issue(TokenKind.USER, str(user_id), self.keys.user_token_ttl, username)

    def issue_service_token(self, service: str) -> str:
        return self._issue(TokenKind.SERVICE, service, self.keys.service_token_ttl, None)

    def _issue(self, kind: TokenKind, subject: str, ttl: timedelta, username: str | None) -> str:
        now = datetime.now(UTC)
        claims: dict[str, object] = {
            "iss": self.keys.issuer,
            "sub": subject,
            "kind": kind.value,
            "iat": now,
            "exp": now + ttl,
        }
        if username is not None:
            claims["username"] = username
        return jwt.encode(claims, self._secret(kind), algorithm=_ALGORITHM, headers={"kid": self.keys.key_id})

    def verify(self, token: str, *, kind: TokenKind = TokenKind.USER) -> Principal:
        """The token's principal; raises InvalidTokenError (401) for any flaw."""
        return self.verify_until(token, kind=kind)[0]

    def verify_until(self, token: str, *, kind: TokenKind = TokenKind.USER) -> tuple[Principal, float]:
        """The token's principal and when it expires (a POSIX time); InvalidTokenError for any flaw."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.keys.key_id:
                raise InvalidTokenError("the token was signed with an unknown key")
            claims = jwt.decode(
                token,
                self._secret(kind),
                algorithms=[_ALGORITHM],
                issuer=self.keys.issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("the token has expired; sign in again") from None
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is not valid") from None
        if claims.get("kind") != kind.value:
            raise InvalidTokenError(f"a {kind.value} token is required")
        principal = Principal(kind=kind, subject=str(claims["sub"]), username=claims.get("username"))
        return principal, float(claims["exp"])

    def seal(self, principal: Principal, expires_at: float) -> str:
        """``principal`` (of a verified user token expiring at ``expires_at``) as one header value
        that ``unseal`` checks with a single HMAC: the gateway verifies a token once and passes on
        its seal, so the services do not verify the token again on every request."""
        payload = f"{principal.subject}.{int(expires_at)}.{_b64((principal.username or '').encode())}"
        return f"{payload}.{_b64(hmac.digest(self._seal_key, payload.encode(), 'sha256'))}"

    def unseal(self, sealed: str) -> Principal:
        """The principal of a seal made by ``seal`` with these keys; InvalidTokenError for any flaw."""
        payload, _, mac = sealed.rpartition(".")
        try:
            valid = hmac.compare_digest(_unb64(mac), hmac.digest(self._seal_key, payload.encode(), "sha256"))
            subject, expires_at, username = payload.split(".")
            expired = int(expires_at) + _LEEWAY_SECONDS < time.time()
            name = _unb64(username).decode() or None
        except (ValueError, binascii.Error, UnicodeError):
            raise InvalidTokenError("the identity is not valid") from None
        if not valid:
            raise InvalidTokenError("the identity is not valid")
        if expired:
            raise InvalidTokenError("the token has expired; sign in again")
        return Principal(kind=TokenKind.USER, subject=subject, username=name)
