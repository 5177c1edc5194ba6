"""Request and response bodies of the users API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, examples=["ada"])
    password: str = Field(min_length=1, max_length=256, examples=["correct horse battery"])


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
