"""Moving-window rate limits kept in the server process (sign-ins, applications).

Written here rather than taken from `limits`' MemoryStorage (we still use `limits` to read a
limit such as "5/minute"): that storage expires its keys on a timer thread that it starts again
on every hit that finds the last one finished, ten milliseconds after it began. At a hundred
applications a second nearly every hit started a thread, and `Thread.start()` waits until the
new thread has run. On the event loop, with both cores busy, that wait stopped every request of
the worker (py-spy under load: 2–3 % of a worker's samples inside `Thread.start`). Here each
key keeps the times of its hits in the window, and keys left idle are swept as hits come.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from limits import RateLimitItem, parse

SWEEP_EVERY_S = 60.0


@lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


class MovingWindowLimits:
    """At most `amount` hits per key in any window of the limit's length."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()  # (sign-in runs in the thread pool)
        self._hits: dict[tuple[str, ...], tuple[float, deque[float]]] = {}
        self._swept_at = clock()

    def hit(self, limit: str, *identity: str) -> float | None:
        """Count a hit of `identity` against `limit` ("3/minute"): None if it is within the
        limit, otherwise the seconds until one more hit would be (the refused hit is not
        counted)."""
        item = _parsed(limit)
        window = float(item.get_expiry())
        key = (limit, *identity)
        now = self._clock()
        with self._lock:
            _, hits = self._hits.get(key) or (window, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= item.amount:
                return hits[0] + window - now
            hits.append(now)
            self._hits[key] = (window, hits)
            if now - self._swept_at >= SWEEP_EVERY_S:
                self._sweep(now)
        return None

    def _sweep(self, now: float) -> None:
        """Forget keys whose every hit has left its window."""
        self._swept_at = now
        idle = [key for key, (window, hits) in self._hits.items() if hits[-1] <= now - window]
        for key in idle:
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)


def retry_after_s(wait: float) -> int:
    """A Retry-After value in whole seconds, never less than one."""
    return max(1, math.ceil(wait))
