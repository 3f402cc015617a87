"""The self-imposed request quota, on a fake clock (no sleeping in tests)."""

from __future__ import annotations

from hfscan.crawl.client import QuotaLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_quota_never_exceeds_limit_in_any_window() -> None:
    clock = Clock()
    limiter = QuotaLimiter(3, window=300.0, clock=clock.time, sleep=clock.sleep)
    sent = []
    for _ in range(10):
        limiter.acquire()
        sent.append(clock.now)
        clock.now += 1.0
    for i, t in enumerate(sent):
        in_window = [s for s in sent if t <= s < t + 300.0]
        assert len(in_window) <= 3, (i, in_window)
    assert sent[3] >= sent[0] + 300.0
    assert len(clock.slept) >= 3


def test_quota_does_not_wait_under_the_limit() -> None:
    clock = Clock()
    limiter = QuotaLimiter(5, window=300.0, clock=clock.time, sleep=clock.sleep)
    for _ in range(5):
        assert limiter.acquire() == 0.0
    assert clock.slept == []
