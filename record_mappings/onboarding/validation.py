"""The onboarding contract's one validator, for the intake and the migration alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migration_runtime.record_fields import NOW_CONTEXT_KEY
from migration_runtime.record_validation import validated_model
from migration_runtime.timestamps import utc_now
from record_mappings.onboarding.legacy_record import LegacyRecord


def validate_record(raw_record: Any, *, now: datetime | None = None) -> LegacyRecord:
    """The record as a ``LegacyRecord``, or ``RecordRejected`` naming the fields (never their values)."""
    return validated_model(LegacyRecord, raw_record, context={NOW_CONTEXT_KEY: now or utc_now()})
