"""Prometheus metrics of the event backbone. Labels are bounded: never a user or room id."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "chorus_events_handled_total",
    "Events taken off a topic by a Chorus consumer group, by outcome.",
    ["topic", "group", "type", "outcome"],
)
EVENT_HANDLER_SECONDS = Histogram(
    "chorus_event_handler_seconds",
    "Time a consumer group spent on one event, retries included.",
    ["topic", "group", "type"],
)
EVENT_RETRIES = Counter(
    "chorus_event_retries_total",
    "Handler attempts that failed and were retried.",
    ["topic", "group"],
)
DLQ_MESSAGES = Counter(
    "chorus_dlq_messages_total",
    "Messages handed to a dead-letter topic.",
    ["topic", "group"],
)
EVENTS_PUBLISHED = Counter(
    "chorus_events_published_total",
    "Events the outbox relay published to Kafka.",
    ["service", "topic", "type"],
)
OUTBOX_BACKLOG = Gauge(
    "chorus_outbox_backlog",
    "Outbox entries written but not yet published.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "chorus_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox entry (0 when none waits).",
    ["service"],
)
RELAY_FAILURES = Counter(
    "chorus_outbox_relay_failures_total",
    "Relay cycles that failed (Kafka or MongoDB unreachable).",
    ["service"],
)

# HTTP metrics are defined once per process and labelled by service, so that several
# apps in one process (as in tests) each show up on /metrics.
HTTP_REQUESTS = Counter(
    "chorus_http_requests_total",
    "HTTP requests, by route template and status class.",
    ["service", "method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "chorus_http_request_duration_seconds",
    "HTTP request latency, by route template.",
    ["service", "method", "route"],
)
CONSUMER_LAG = Gauge(
    "chorus_consumer_lag",
    "Messages on a partition that a consumer group has not committed yet.",
    ["group", "topic", "partition"],
)
CACHE_LOOKUPS = Counter(
    "chorus_cache_lookups_total",
    "Page cache lookups by result (hit, miss; unavailable when Redis did not answer).",
    ["cache", "result"],
)
