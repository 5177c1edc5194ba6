"""Ports and folders of the local set-up (environment variables prefixed CHORUS_INFRA_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chorus_devinfra.paths import data_dir


class InfraSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_INFRA_", extra="ignore")

    data_dir: Path = Field(default_factory=data_dir, description="State, data and logs.")
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    mongo_users_port: int = 27017
    mongo_reviews_port: int = 27018
    mongo_forums_port: int = 27019
    mongo_analytics_port: int = 27020
    redis_port: int = 6379
    gateway_port: int = 8100
    users_port: int = 8101
    users_grpc_port: int = 50051
    reviews_port: int = 8102
    forums_port: int = 8103
    forums_2_port: int = 8104
    analytics_port: int = 8105
    gateway_grpc_port: int = 50050
    prometheus_port: int = 9090
    jaeger_query_port: int = 16686
    otlp_http_port: int = 4318
    otlp_grpc_port: int = 4317
