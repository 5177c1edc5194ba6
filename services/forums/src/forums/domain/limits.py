"""Per-member limits, with no I/O: a token bucket and a sliding count of bad frames."""

import time
from collections import deque
from collections.abc import Callable


class TokenBucket:
    """Allows ``rate`` actions per second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class StrikeCounter:
    """Counts strikes within a window; ``out`` once there are too many."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.strikes: deque[float] = deque()

    def strike(self) -> bool:
        """Record one; True when this one is over the limit."""
        now = self.clock()
        self.strikes.append(now)
        while self.strikes and self.strikes[0] < now - self.window:
            self.strikes.popleft()
        return len(self.strikes) > self.limit
