"""Verified user tokens, remembered until they expire: a token is checked once, not per request.

Each is remembered with its seal (``TokenCodec.seal``), which the edge passes on so the
services do not verify the token again.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

from chorus_backbone.auth import Principal, TokenCodec, TokenKind


class TokenCache:
    """The principals of recently seen tokens, at most ``capacity``, least recently used out first.

    An entry lives until its token expires; ``rotate`` swaps in new keys and forgets every
    token the old key id signed, so a retired key stops working at once.
    """

    def __init__(
        self, codec: TokenCodec, *, capacity: int = 50_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.codec = codec
        self.capacity = capacity
        self.clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float, str]] = OrderedDict()

    def user(self, token: str) -> Principal:
        """The user the token speaks for; InvalidTokenError (401) when it is not a valid user token."""
        return self.sealed(token)[0]

    def sealed(self, token: str) -> tuple[Principal, str]:
        """The user the token speaks for and the seal that tells the services so; InvalidTokenError
        (401) when it is not a valid user token."""
        entry = self._verified.get(token)
        if entry is not None:
            principal, expires_at, seal = entry
            if expires_at > self.clock():
                self._verified.move_to_end(token)
                return principal, seal
            del self._verified[token]
        principal, expires_at = self.codec.verify_until(token, kind=TokenKind.USER)
        seal = self.codec.seal(principal, expires_at)
        self._verified[token] = (principal, expires_at, seal)
        if len(self._verified) > self.capacity:
            self._verified.popitem(last=False)
        return principal, seal

    def rotate(self, codec: TokenCodec) -> None:
        """Check tokens with ``codec``'s keys from now on; tokens signed by a retired key id fail."""
        if (
            codec.keys.key_id != self.codec.keys.key_id
            or codec.keys.user_secret != self.codec.keys.user_secret
        ):
            self._verified.clear()
        self.codec = codec

    def __len__(self) -> int:
        return len(self._verified)
