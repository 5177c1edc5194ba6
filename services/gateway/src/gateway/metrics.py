"""Gateway metrics: what it sees of its upstreams, and what it refuses at the edge."""

from prometheus_client import Counter, Gauge

UPSTREAM_INSTANCES = Gauge(
    "chorus_gateway_upstream_instances",
    "Instances the gateway can send a service's requests to.",
    ["service"],
)
UPSTREAM_FAILURES = Counter(
    "chorus_gateway_upstream_failures_total",
    "Requests to an instance that failed to connect or answer.",
    ["service"],
)
UPSTREAM_UNAVAILABLE = Counter(
    "chorus_gateway_upstream_unavailable_total",
    "Requests answered 503: no instance of the service answered.",
    ["service"],
)
RATE_LIMITED = Counter("chorus_gateway_rate_limited_total", "Requests refused with 429, by limit.", ["scope"])
