"""Settings of the analytics consumer (environment variables prefixed CHORUS_ANALYTICS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    port: int = 8105
    mongodb_url: str = "mongodb://127.0.0.1:27020/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_analytics"
    gather_ms: int = Field(
        default=250,
        ge=0,
        le=5_000,
        description="How long the broker gathers events for one counted batch (0: as they come). "
        "Hourly counters need no haste; a busy room's messages then cost a few transactions a second.",
    )
