"""How much time an enqueue call should believe it has left.

A call ends at the Lambda deadline or at the end of its time slice, whichever comes first. Short slices
make progress visible: every call hands its counts back to the state machine, where `watch` reads them from
the execution history. The price is a few more invocations and state transitions per segment.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def sliced_remaining_time_ms(
    lambda_remaining_ms: Callable[[], int],
    *,
    slice_seconds: int,
    reserve_ms: int,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], int]:
    """A remaining-time function that runs out `slice_seconds` from now (0 disables the slice).

    The enqueue loop stops when remaining time drops under `reserve_ms`; adding the reserve to the slice's
    own remaining time makes that happen exactly when the slice is used up.
    """
    if slice_seconds <= 0:
        return lambda_remaining_ms
    slice_ends_at = clock() + slice_seconds

    def remaining_ms() -> int:
        slice_left_ms = int((slice_ends_at - clock()) * 1000) + reserve_ms
        return min(lambda_remaining_ms(), slice_left_ms)

    return remaining_ms
