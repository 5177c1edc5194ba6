"""Live room metrics of this replica (no room or user ids as labels)."""

from prometheus_client import Counter, Gauge, Histogram

LIVE_ROOMS = Gauge("chorus_live_rooms", "Rooms with at least one member connected to this replica.")
LIVE_MEMBERS = Gauge("chorus_live_members", "WebSocket connections to rooms on this replica.")
FRAMES_SENT = Counter("chorus_live_frames_sent_total", "Frames sent to members, by frame type.", ["type"])
SLOW_MEMBERS = Counter(
    "chorus_live_slow_members_disconnected_total", "Members disconnected for falling too far behind."
)
RESUMES = Counter("chorus_live_resumes_total", "Reconnections that resumed with since=<message id>.")
GAP_FILLS = Counter("chorus_live_gap_fills_total", "Messages read back from the log to fill a member's gap.")
DISCONNECTS = Counter("chorus_live_disconnects_total", "Members leaving a room, by how.", ["reason"])
MESSAGE_BATCH = Histogram(
    "chorus_forums_message_batch_size",
    "Messages stored per transaction (a busy room's messages commit together).",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
