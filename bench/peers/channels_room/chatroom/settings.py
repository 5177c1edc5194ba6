"""Django settings for the Channels chat room peer (the tutorial's room, nothing more)."""

import os

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
ROOT_URLCONF = "chatroom.urls"
ASGI_APPLICATION = "chatroom.asgi.application"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_LAYER = os.environ.get("BENCH_CHANNEL_LAYER", "core")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": (
            "channels_redis.pubsub.RedisPubSubChannelLayer"
            if _LAYER == "pubsub"
            else "channels_redis.core.RedisChannelLayer"
        ),
        "CONFIG": {"hosts": [_REDIS]},
    }
}
