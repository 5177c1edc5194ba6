"""Request and response bodies of the users API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from users.domain.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_PATTERN


class Credentials(BaseModel):
    """What sign-in takes: any name and password an account could have."""

    model_config = ConfigDict(extra="forbid", strict=True)

    username: str = Field(min_length=1, max_length=64, examples=["ada"])
    password: str = Field(min_length=1, max_length=256, examples=["correct horse battery"])


class NewAccount(BaseModel):
    """What sign-up takes; a password must also not be well known nor contain the username."""

    model_config = ConfigDict(extra="forbid", strict=True)

    username: str = Field(pattern=USERNAME_PATTERN.pattern, examples=["ada"])
    password: str = Field(
        min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH, examples=["correct horse battery"]
    )


class SignedIn(BaseModel):
    auth_token: str


class Confirmation(BaseModel):
    message: str
    id: int | None = None


class UserSummary(BaseModel):
    id: int
    username: str


class Me(UserSummary):
    created_at: datetime
