"""The moving-window rate limits: never more than the limit's hits in any window, a refusal says
how long to wait, keys are independent, idle keys are forgotten, and no thread is started."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from puhui.api.rate_limits import SWEEP_EVERY_S, MovingWindowLimits, retry_after_s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hits_over_the_limit_are_refused_with_the_wait_until_the_oldest_leaves() -> None:
    clock = Clock()
    limits = MovingWindowLimits(clock)
    assert [limits.hit("3/minute", "ann") for _ in range(3)] == [None, None, None]
    clock.now += 20
    assert limits.hit("3/minute", "ann") == 40.0  # the first hit leaves the window at +60 s
    assert limits.hit("3/minute", "bob") is None  # another key has its own window
    clock.now += 40
    assert limits.hit("3/minute", "ann") is None


@given(gaps=st.lists(st.floats(min_value=0, max_value=30), min_size=1, max_size=200))
def test_no_window_ever_holds_more_hits_than_the_limit(gaps: list[float]) -> None:
    clock = Clock()
    limits = MovingWindowLimits(clock)
    allowed: list[float] = []
    for gap in gaps:
        clock.now += gap
        wait = limits.hit("5/minute", "key")
        if wait is None:
            allowed.append(clock.now)
        else:
            assert 0 < wait <= 60
            assert len([t for t in allowed if t > clock.now - 60]) == 5
    for index, at in enumerate(allowed):
        assert len([t for t in allowed[index:] if t < at + 60]) <= 5


def test_idle_keys_are_forgotten() -> None:
    clock = Clock()
    limits = MovingWindowLimits(clock)
    for name in ("a", "b", "c"):
        limits.hit("1/second", name)
    clock.now += SWEEP_EVERY_S
    limits.hit("1/second", "d")
    assert len(limits) == 1


def test_a_hit_starts_no_thread() -> None:
    limits = MovingWindowLimits()
    before = threading.active_count()
    for index in range(50):
        limits.hit("100/second", str(index % 3))
    assert threading.active_count() == before


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert [retry_after_s(w) for w in (0.001, 1.0, 1.2, 59.9)] == [1, 1, 2, 60]
