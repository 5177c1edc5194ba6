"""Settings of the users service (environment variables prefixed CHORUS_USERS_)."""

from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_USERS_", extra="ignore")

    service_name: str = "users"
    port: int = 8101
    mongodb_url: str = "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_users"
