"""Which legacy completions migrate: decided first, by status alone, before any validation.

Only completed workouts move to the new service; skipped and deleted ones stay behind (counted as
ineligible whatever else is wrong with them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from record_mappings.workouts.completion_record import Status

ELIGIBLE_STATUSES: frozenset[str] = frozenset({Status.COMPLETED.value})


def is_eligible(raw_record: Mapping[str, Any]) -> bool:
    status = raw_record.get("status")
    # A non-string status (even an unhashable one) is simply not an eligible status.
    return isinstance(status, str) and status in ELIGIBLE_STATUSES
