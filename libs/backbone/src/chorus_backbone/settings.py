"""Settings every service shares; each service subclasses with its own env prefix."""

from datetime import timedelta

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chorus_backbone.auth import TokenKeys
from chorus_backbone.request_heads import HeadLimits

MIN_SECRET_CHARS = 32


class TokenSettings(BaseSettings):
    """How tokens are signed and checked: the services and the gateway share these."""

    model_config = SettingsConfigDict(env_prefix="CHORUS_", extra="ignore")

    # Signing keys: the defaults serve local development only; set real ones in deployment.
    jwt_issuer: str = "chorus"
    jwt_key_id: str = "local-1"
    jwt_secret: SecretStr = SecretStr("chorus-local-user-token-key-change-me")
    service_token_secret: SecretStr = SecretStr("chorus-local-service-token-key-change-me")
    user_token_ttl_seconds: int = Field(default=12 * 3600, ge=60)

    @field_validator("jwt_secret", "service_token_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr) -> SecretStr:
        # An empty or short key (an unset variable in a deployment) must stop the start, not sign.
        if len(secret.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"a signing key needs at least {MIN_SECRET_CHARS} characters")
        return secret

    def token_keys(self) -> TokenKeys:
        return TokenKeys(
            issuer=self.jwt_issuer,
            key_id=self.jwt_key_id,
            user_secret=self.jwt_secret.get_secret_value(),
            service_secret=self.service_token_secret.get_secret_value(),
            user_token_ttl=timedelta(seconds=self.user_token_ttl_seconds),
        )


class RedisSettings(BaseSettings):
    """Where Redis is and how many connections to it a process keeps."""

    model_config = SettingsConfigDict(env_prefix="CHORUS_", extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "chorus:"
    redis_max_connections: int = Field(
        default=64, ge=1, description="Connections in the Redis pool; more callers wait for one."
    )
    redis_wait_seconds: float = Field(
        default=5.0, gt=0, description="How long a caller waits for a pooled Redis connection."
    )


class ServerSettings(BaseSettings):
    """Where a process listens, and how its HTTP server treats connections that stall."""

    model_config = SettingsConfigDict(env_prefix="CHORUS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    waiting_connections_per_address: int = Field(
        default=HeadLimits.per_address,
        ge=1,
        description="New connections one address may have waiting to send a request head; more are closed.",
    )
    request_head_seconds: float = Field(
        default=HeadLimits.head_timeout_seconds,
        gt=0,
        description="How long a connection may take to send a request's head.",
    )

    def head_limits(self) -> HeadLimits:
        return HeadLimits(self.waiting_connections_per_address, self.request_head_seconds)


class ServiceSettings(TokenSettings, RedisSettings, ServerSettings):
    """Where a service finds its parts. Defaults match the native local set-up (`just up`)."""

    model_config = SettingsConfigDict(env_prefix="CHORUS_", extra="ignore")

    service_name: str = "chorus"
    kafka_bootstrap: str = "127.0.0.1:9092"
    mongodb_url: str = "mongodb://127.0.0.1:27017/?retryWrites=false"
    mongodb_database: str = "chorus"
    topic_prefix: str = Field(
        default="", description="Namespace for topic names; empty in production, unique in tests."
    )
    consumer_group_prefix: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    write_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Longest a write may take from its request, waits and conflict retries included: past it"
            " the request is a 503 and nothing of it is stored (so a write is never applied after its"
            " client stopped waiting). Keep it below the gateway's upstream timeout."
        ),
    )
    outbox_poll_seconds: float = Field(default=0.2, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=10_000)
    outbox_lease_seconds: float = Field(default=10.0, gt=0)
    outbox_sweep_after_seconds: float = Field(
        default=2.0,
        ge=0,
        description=(
            "The relay's sweep publishes an unsent entry only once it is this old: younger ones are"
            " on their way out through the process that committed them (fewer repeats on the bus)."
        ),
    )
    outbox_sent_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    consumer_max_attempts: int = Field(default=5, ge=1, le=50)
    consumer_backoff_initial_seconds: float = Field(default=0.1, ge=0)
    consumer_backoff_max_seconds: float = Field(default=5.0, ge=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    shutdown_step_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait for each part to stop."
    )
    lag_interval_seconds: float = Field(default=10.0, gt=0, description="How often consumer lag is measured.")
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector base URL; no tracing when unset."
    )
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    registry_target: str | None = Field(
        default=None, description="host:port of the gateway's gRPC registry; no registration when unset."
    )
    advertised_url: str | None = Field(
        default=None, description="This instance's base URL; by default from host and port."
    )

    def consumer_group(self, name: str) -> str:
        """The Kafka consumer group this service uses for ``name`` (tools look groups up the same way)."""
        return f"{self.consumer_group_prefix}{self.service_name}.{name}"
