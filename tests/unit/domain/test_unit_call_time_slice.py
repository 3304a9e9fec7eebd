"""An enqueue call ends at its Lambda deadline or at the end of its time slice, whichever comes first."""

from __future__ import annotations

from migration_runtime.call_time_slice import sliced_remaining_time_ms

RESERVE_MS = 10_000


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_slice_runs_out_after_its_seconds_even_with_lambda_time_left() -> None:
    # GIVEN a call with plenty of Lambda time and a 20 s slice
    clock = FakeClock()
    remaining = sliced_remaining_time_ms(
        lambda: 250_000, slice_seconds=20, reserve_ms=RESERVE_MS, clock=clock
    )

    # WHEN 19 s and then 21 s have passed
    clock.now += 19
    before_end = remaining()
    clock.now += 2
    after_end = remaining()

    # THEN the loop keeps going before the slice ends and stops (under the reserve) after it
    assert before_end >= RESERVE_MS
    assert after_end < RESERVE_MS


def test_lambda_deadline_wins_when_it_comes_first() -> None:
    # GIVEN a long slice but a Lambda about to time out
    clock = FakeClock()
    remaining = sliced_remaining_time_ms(lambda: 3_000, slice_seconds=600, reserve_ms=RESERVE_MS, clock=clock)

    # WHEN the loop asks how much time is left
    left = remaining()

    # THEN it sees the Lambda's remaining time
    assert left == 3_000


def test_zero_slice_means_only_the_lambda_deadline_counts() -> None:
    # GIVEN slicing turned off
    def lambda_remaining() -> int:
        return 42_000

    # WHEN the remaining-time function is built
    remaining = sliced_remaining_time_ms(lambda_remaining, slice_seconds=0, reserve_ms=RESERVE_MS)

    # THEN it is the Lambda's own
    assert remaining is lambda_remaining
