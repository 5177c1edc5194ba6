"""Account rules: what a username and a password may be."""

import re

from chorus_backbone.errors import ChorusError, ErrorKind

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# The most common passwords of public breach lists; refused outright.
_COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "qwerty123",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "letmein1",
        "abc12345",
        "11111111",
        "00000000",
        "passw0rd",
        "trustno1",
        "superman",
        "starwars",
        "whatever",
        "dragon12",
    }
)


def username_key(username: str) -> str:
    """The form that makes usernames unique regardless of case."""
    return username.casefold()


def check_username(username: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise ChorusError(
            ErrorKind.INVALID,
            "invalid_username",
            "a username is 3 to 32 characters: letters, digits, '_', '.' or '-'",
        )


def check_password(password: str, username: str) -> None:
    """Minimum strength: long enough, not a well-known password, not the username."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise ChorusError(
            ErrorKind.INVALID,
            "weak_password",
            f"a password is {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
        )
    if password.casefold() in _COMMON_PASSWORDS or len(set(password)) < 4:
        raise ChorusError(ErrorKind.INVALID, "weak_password", "this password is too easy to guess")
    if username_key(username) in password.casefold():
        raise ChorusError(ErrorKind.INVALID, "weak_password", "a password may not contain the username")
