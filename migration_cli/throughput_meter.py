"""Records per second over a recent window, and the time left at that rate, for the progress line.

The window (not the whole run) keeps the rate honest across phases: a migration spends its first seconds
pausing and scanning, and a rate averaged from the start would promise too late an end.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Throughput:
    records_per_second: float | None
    """None until two observations a moment apart have been made."""
    eta_seconds: float | None
    """None while the total is unknown (the scan still runs) or nothing moves."""

    def text(self) -> str:
        if self.records_per_second is None:
            return ""
        rate = f"{self.records_per_second:,.0f} rec/s"
        if self.eta_seconds is None:
            return rate
        return f"{rate} · ETA {format_duration(self.eta_seconds)}"


def format_duration(seconds: float) -> str:
    """`45s`, `3m05s`, `2h07m`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class ThroughputMeter:
    """Fed (elapsed seconds, records done) at each poll; the clock is the caller's, so tests need no sleep."""

    def __init__(self, window_seconds: float = 30.0) -> None:
        self._window = window_seconds
        self._samples: deque[tuple[float, int]] = deque()

    def observe(self, elapsed_seconds: float, done: int, total: int | None = None) -> Throughput:
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a new count (e.g. a redrive started over): the old rate says nothing
        self._samples.append((elapsed_seconds, done))
        while len(self._samples) > 2 and elapsed_seconds - self._samples[1][0] >= self._window:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        span = elapsed_seconds - first_time
        if span <= 0:
            return Throughput(None, None)
        rate = (done - first_done) / span
        if total is None or total <= 0 or rate <= 0 or done >= total:
            return Throughput(rate, None)
        return Throughput(rate, (total - done) / rate)
