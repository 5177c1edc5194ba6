"""Redis clients whose pool waits for a free connection instead of refusing at once.

redis-py's default asyncio pool raises ``MaxConnectionsError`` the moment every
connection is in use: a burst (a thousand joins, a spike of requests) is then refused.
This pool makes a caller wait, up to a bound, for a connection to come back.
"""

from redis.asyncio import BlockingConnectionPool, Redis


def waiting_redis(url: str, max_connections: int, wait_seconds: float) -> Redis:
    """A client on a pool of ``max_connections`` where a caller waits up to ``wait_seconds``."""
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=wait_seconds)
    return Redis(connection_pool=pool)
