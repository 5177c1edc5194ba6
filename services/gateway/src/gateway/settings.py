"""Settings of the gateway (environment variables prefixed CHORUS_GATEWAY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import RedisSettings, ServerSettings, TokenSettings


class GatewaySettings(TokenSettings, RedisSettings, ServerSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    port: int = 8100
    grpc_port: int = Field(default=50050, description="The registry and gRPC health.")
    users_url: str | None = "http://127.0.0.1:8101"
    reviews_url: str | None = "http://127.0.0.1:8102"
    forums_urls: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8103"])
    registry_lease_seconds: int = Field(default=15, ge=1)
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_connections: int = Field(
        default=256, ge=1, description="Keep-alive connections to each upstream instance, at most."
    )
    token_cache_size: int = Field(
        default=50_000, ge=1, description="Verified tokens remembered until they expire."
    )
    limits_sync_seconds: float = Field(
        default=0.5, gt=0, description="How often each replica adds its counts to the limits shared in Redis."
    )
    failed_instance_pause_seconds: float = Field(default=5.0, ge=0)
    requests_per_minute_per_address: int = Field(default=600, ge=1)
    requests_per_minute_per_user: int = Field(default=300, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    request_body_seconds: float = Field(
        default=30.0, gt=0, description="How long a request's body may take to arrive; past it, 408."
    )
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True
    otlp_endpoint: str | None = None
    trace_sample_ratio: float = 1.0

    def static_upstreams(self) -> dict[str, list[str]]:
        return {
            "users": [self.users_url] if self.users_url else [],
            "reviews": [self.reviews_url] if self.reviews_url else [],
            "forums": list(self.forums_urls),
        }
