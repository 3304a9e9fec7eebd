"""The workout-tracking app's ``RecordMapping`` (see ``migration_runtime.record_mapping``).

Completions keyed by ``completion_id``; eligible when COMPLETED; validated against the legacy contract
(``completion_record``); transformed to ``USER#<user_id>`` / ``COMPLETION#<completed_at>#<id>`` with the
routine version valid at completion time copied in (the user only checked to exist) (``completion_item``),
which needs two lookup tables: ``users`` and ``routines`` (one item per version, sorted by ``valid_from``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migration_runtime.record_mapping import Lookups, LookupTable
from record_mappings.workouts.completion_item import (
    ROUTINES_TABLE,
    USERS_TABLE,
    fitting_content,
    is_completion_item,
)
from record_mappings.workouts.completion_record import CompletionRecord, validate_completion
from record_mappings.workouts.eligibility import is_eligible

LOGGABLE_FIELDS = ("completion_id", "user_id", "routine_id", "status")
# Free text and a person's name and address, wherever they appear: in the legacy record and in the
# users table's item.
PERSONAL_FIELDS = (
    ("notes",),
    ("email",),
    ("display_name",),
)
LOOKUP_TABLES = (
    LookupTable(name=USERS_TABLE, hash_key="user_id"),
    LookupTable(name=ROUTINES_TABLE, hash_key="routine_id", range_key="valid_from"),
)


@dataclass(frozen=True)
class WorkoutsMapping:
    name: str = "workouts"
    record_id_field: str = "completion_id"
    record_kind: str = "COMPLETION"
    loggable_fields: tuple[str, ...] = LOGGABLE_FIELDS
    personal_fields: tuple[tuple[str, ...], ...] = PERSONAL_FIELDS
    lookup_tables: tuple[LookupTable, ...] = LOOKUP_TABLES

    def is_eligible(self, raw: Mapping[str, Any]) -> bool:
        return is_eligible(raw)

    def validate(self, raw: Any, *, now: datetime) -> CompletionRecord:
        return validate_completion(raw, now=now)

    def transform(self, record: CompletionRecord, lookups: Lookups) -> dict[str, Any]:
        return fitting_content(record, lookups)

    def is_item(self, item: Mapping[str, Any]) -> bool:
        return is_completion_item(item)


MAPPING = WorkoutsMapping()
