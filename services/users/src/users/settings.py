"""Settings of the users service (environment variables prefixed CHORUS_USERS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_USERS_", extra="ignore")

    service_name: str = "users"
    port: int = 8101
    grpc_port: int = 50051
    mongodb_url: str = "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_users"
    signin_failures_per_account: int = Field(default=5, ge=1)
    signin_failures_per_address: int = Field(default=30, ge=1)
    signin_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    remembered_accounts: int = Field(
        default=100_000,
        ge=0,
        description="Accounts kept in memory after a lookup by id (accounts never change once created).",
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client address from X-Forwarded-For (behind the gateway).",
    )
