"""Settings of the reviews service (environment variables prefixed CHORUS_REVIEWS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class ReviewsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_REVIEWS_", extra="ignore")

    service_name: str = "reviews"
    port: int = 8102
    mongodb_url: str = "mongodb://127.0.0.1:27018/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_reviews"
    load_starter_catalog: bool = Field(
        default=True, description="Import the shipped catalog at start-up (idempotent)."
    )
    aggregate_gather_ms: int = Field(
        default=100,
        ge=0,
        le=1_000,
        description="How long the broker gathers rating changes for one fold of the album aggregates "
        "(0: as they come). Rooms get each rating at once either way; an album's aggregate then "
        "trails its ratings by about this much more, for one fold transaction per window.",
    )
    page_cache_seconds: int = Field(
        default=60, ge=1, description="Longest a cached album page or catalog search may live."
    )
