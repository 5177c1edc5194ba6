"""Settings of the gateway (environment variables prefixed CHORUS_GATEWAY_)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    host: str = "127.0.0.1"
    port: int = 8100
    users_url: str = "http://127.0.0.1:8101"
    reviews_url: str = "http://127.0.0.1:8102"
    forums_urls: list[str] = ["http://127.0.0.1:8103"]
    upstream_timeout_seconds: float = 5.0
    log_level: str = "INFO"
    log_json: bool = True
    otlp_endpoint: str | None = None
    trace_sample_ratio: float = 1.0

    def upstreams(self) -> dict[str, list[str]]:
        return {
            "users": [self.users_url],
            "reviews": [self.reviews_url],
            "forums": self.forums_urls,
        }
