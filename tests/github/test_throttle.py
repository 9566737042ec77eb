"""The per-minute cap on content creation, on a fake clock."""

from __future__ import annotations

import pytest

from evokernel.adapters.github import CreateThrottle
from tests.github.conftest import FakeTime


def test_within_the_cap_nothing_waits(fake_time: FakeTime) -> None:
    throttle = CreateThrottle(5, fake_time.clock, fake_time.sleep)
    assert [throttle.acquire() for _ in range(5)] == [0.0] * 5
    assert fake_time.sleeps == []


def test_over_the_cap_waits_for_the_oldest_to_leave_the_window(fake_time: FakeTime) -> None:
    throttle = CreateThrottle(2, fake_time.clock, fake_time.sleep)
    throttle.acquire()
    fake_time.now += 15
    throttle.acquire()
    assert throttle.acquire() == 45.0  # first one leaves the window at +60
    assert throttle.acquire() == 15.0  # second one leaves at +75
    assert fake_time.sleeps == [45.0, 15.0]


def test_any_sixty_seconds_holds_at_most_the_cap(fake_time: FakeTime) -> None:
    throttle = CreateThrottle(3, fake_time.clock, fake_time.sleep)
    stamps = []
    for _ in range(10):
        throttle.acquire()
        stamps.append(fake_time.now)
        fake_time.now += 7
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 60) <= 3


def test_cap_must_be_positive(fake_time: FakeTime) -> None:
    with pytest.raises(ValueError):
        CreateThrottle(0, fake_time.clock, fake_time.sleep)
