"""Settings of the forums service (environment variables prefixed CHORUS_FORUMS_)."""

from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class ForumsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_FORUMS_", extra="ignore")

    service_name: str = "forums"
    port: int = 8103
    mongodb_url: str = "mongodb://127.0.0.1:27019/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_forums"
