"""Settings of the forums service (environment variables prefixed CHORUS_FORUMS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chorus_backbone.settings import ServiceSettings


class ForumsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_FORUMS_", extra="ignore")

    service_name: str = "forums"
    port: int = 8103
    mongodb_url: str = "mongodb://127.0.0.1:27019/?retryWrites=false&directConnection=true"
    mongodb_database: str = "chorus_forums"
    max_frame_bytes: int = Field(default=4096, ge=256, description="Largest client frame accepted.")
    max_message_chars: int = Field(default=1000, ge=1)
    messages_per_second: float = Field(default=5.0, gt=0, description="Per member, sustained.")
    message_burst: int = Field(default=10, ge=1)
    bad_frames_before_close: int = Field(default=10, ge=1, description="Within bad_frame_window_seconds.")
    bad_frame_window_seconds: float = Field(default=10.0, gt=0)
    max_members_per_room: int = Field(default=200, ge=1)
    history_on_join: int = Field(default=50, ge=0, le=500)
    max_resume_messages: int = Field(default=1000, ge=1)
    max_open_rooms_per_user: int = Field(default=5, ge=1)
    member_buffer_bytes: int = Field(
        default=256 * 1024,
        ge=4096,
        description="Bytes a member may lag by (unread in its socket) before it is closed with 4408.",
    )
    presence_ttl_seconds: float = Field(default=15.0, gt=0)
    presence_heartbeat_seconds: float = Field(default=5.0, gt=0)
    presence_announce_seconds: float = Field(
        default=0.2, ge=0, description="Joins and leaves within this window are announced together."
    )
    empty_room_grace_seconds: float = Field(
        default=300.0, ge=0, description="A room nobody joined closes after this long."
    )
    max_record_moves: int = Field(default=10_000, ge=1)
    max_move_chars: int = Field(default=2000, ge=1)
    max_body_bytes: int = 1024 * 1024
    page_cache_seconds: int = Field(default=60, ge=1, description="Longest the cached room listing may live.")
