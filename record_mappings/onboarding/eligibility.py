"""Which legacy records migrate: decided first, by status alone, before any validation.

An ineligible record is skipped and counted whatever else is wrong with it; only eligible records are
validated, and only they can be rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from record_mappings.onboarding.legacy_record import Status

ELIGIBLE_STATUSES: frozenset[str] = frozenset({Status.APPROVED.value, Status.PENDING_REVIEW.value})


def is_eligible(raw_record: Mapping[str, Any]) -> bool:
    status = raw_record.get("status")
    # A non-string status (even an unhashable one) is simply not an eligible status.
    return isinstance(status, str) and status in ELIGIBLE_STATUSES
