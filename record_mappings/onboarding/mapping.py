"""The onboarding service's ``RecordMapping`` (see ``migration_runtime.record_mapping``): the default one.

Applications keyed by ``application_id``; eligible by status; validated against the legacy contract
(``legacy_record``); transformed to ``CUSTOMER#<customer_id>`` / ``ONBOARDING#<submitted_at>#<id>`` with the
plan copied in (``onboarding_item``). It reads no lookup table: a record carries its plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migration_runtime.record_mapping import Lookups, LookupTable
from record_mappings.onboarding import personal_data
from record_mappings.onboarding.eligibility import is_eligible
from record_mappings.onboarding.legacy_record import LegacyRecord
from record_mappings.onboarding.onboarding_item import fitting_content, is_onboarding_item
from record_mappings.onboarding.validation import validate_record


@dataclass(frozen=True)
class OnboardingMapping:
    name: str = "onboarding"
    record_id_field: str = "application_id"
    record_kind: str = "APPLICATION"
    loggable_fields: tuple[str, ...] = personal_data.LOGGABLE_FIELDS
    personal_fields: tuple[tuple[str, ...], ...] = personal_data.PERSONAL_FIELDS
    lookup_tables: tuple[LookupTable, ...] = ()
    eligibility_fields: tuple[str, ...] = ("status",)
    """Optional hint: all ``is_eligible`` reads (lets the invariants scan the legacy table projected)."""

    def is_eligible(self, raw: Mapping[str, Any]) -> bool:
        return is_eligible(raw)

    def validate(self, raw: Any, *, now: datetime) -> LegacyRecord:
        return validate_record(raw, now=now)

    def transform(self, record: LegacyRecord, lookups: Lookups) -> dict[str, Any]:
        return fitting_content(record)

    def is_item(self, item: Mapping[str, Any]) -> bool:
        return is_onboarding_item(item)


MAPPING = OnboardingMapping()
