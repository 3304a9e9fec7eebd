"""The new service's completion item: a legacy completion with what it refers to copied in.

User first, date/time second: ``pk = USER#<user_id>``,
``sk = COMPLETION#<completed_at UTC Z>#<completion_id>``.
The routine is copied in AS IT WAS AT COMPLETION TIME: the ``routines`` version with the greatest
``valid_from <= completed_at`` (routines change over time; a completion's history must not). The user is
only checked to exist: what a user item holds (name, time zone) changes after the fact, so a copy would
drift from what the verifier recomputes later and fail a clean migration for a rename; a routine version
never changes once written. Unknown legacy fields are kept under ``extra``.

A completion that refers to no user, or to a routine that had no version yet at ``completed_at``, is
rejected: no retry can make the lookup tables hold what they do not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, ValidationError

from migration_runtime.dynamodb_storable import storage_problem
from migration_runtime.json_values import plain
from migration_runtime.record_fields import Text
from migration_runtime.record_mapping import Lookups
from migration_runtime.record_validation import RecordRejected, bounded_reason, rejection_reason
from migration_runtime.timestamps import to_utc_z
from record_mappings.workouts.completion_record import PK_PREFIX, SK_PREFIX, CompletionRecord

USERS_TABLE = "users"
ROUTINES_TABLE = "routines"
EXTRA = "extra"
# valid_from is compared as text with completed_at in UTC: only the fixed-width form sorts as time.
_FIXED_WIDTH_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", re.ASCII)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Exercise(_Open):
    name: Text
    sets: Annotated[StrictInt, Field(ge=1)]
    reps: Annotated[StrictInt, Field(ge=1)]
    weight_kg: Annotated[StrictInt | StrictFloat, Field(ge=0)] | None = None


class RoutineVersion(_Open):
    """One item of the ``routines`` lookup table: a routine's definition from ``valid_from`` on."""

    routine_id: Text
    valid_from: Annotated[StrictStr, Field(pattern=_FIXED_WIDTH_UTC.pattern)]
    version: Annotated[StrictInt, Field(ge=1)]
    name: Text
    exercises: list[Exercise]


def item_key(record: CompletionRecord) -> dict[str, str]:
    return {
        "pk": f"{PK_PREFIX}{record.user_id}",
        "sk": f"{SK_PREFIX}{to_utc_z(record.completed_at)}#{record.completion_id}",
    }


def _require_user(record: CompletionRecord, lookups: Lookups) -> None:
    if lookups.get(USERS_TABLE, {"user_id": record.user_id}) is None:
        raise RecordRejected("user_id: no such user in the users table")


def routine_at_completion(record: CompletionRecord, lookups: Lookups) -> RoutineVersion:
    """The version of the routine that was valid when the completion happened."""
    completed_at_z = to_utc_z(record.completed_at)
    item = lookups.latest_at_or_before(ROUTINES_TABLE, record.routine_id, completed_at_z)
    if item is None:
        raise RecordRejected("routine_id: no version of the routine at completed_at")
    try:
        routine = RoutineVersion.model_validate(plain(item))
    except ValidationError as error:
        raise RecordRejected(
            bounded_reason(
                f"routine_id: the routine version at completed_at is unusable ({rejection_reason(error)})"
            )
        ) from None
    if routine.routine_id != record.routine_id or routine.valid_from > completed_at_z:
        # Defence in depth: a Lookups that answered for another routine or a later version is a bug there.
        raise ValueError("routines lookup answered with a version that does not apply")
    return routine


def completion_content(record: CompletionRecord, lookups: Lookups) -> dict[str, Any]:
    """The transformed content, without source and timestamps (what the checksum covers)."""
    _require_user(record, lookups)
    routine = routine_at_completion(record, lookups)
    content: dict[str, Any] = {
        **item_key(record),
        "completion_id": record.completion_id,
        "user_id": record.user_id,
        "routine_id": record.routine_id,
        "completed_at": to_utc_z(record.completed_at),
        "status": record.status.value,
        "duration_seconds": record.duration_seconds,
        "routine": {
            "routine_id": routine.routine_id,
            "version": routine.version,
            "valid_from": routine.valid_from,
            "name": routine.name,
            "exercises": [
                exercise.model_dump(mode="json", exclude_unset=True) for exercise in routine.exercises
            ],
        },
        EXTRA: record.unknown_fields,
    }
    if record.notes is not None:
        content["notes"] = record.notes
    return plain(content)


def fitting_content(record: CompletionRecord, lookups: Lookups) -> dict[str, Any]:
    """``completion_content``, or ``RecordRejected`` naming a field DynamoDB could not store once nested.

    Unknown fields move one level down (under ``extra``), so one may nest too deep only once transformed;
    the reason names it as the legacy record spells it. The 400 KB item limit, with room for what the
    machine adds, is checked by the machine on every item it builds (``new_items.build_item``).
    """
    content = completion_content(record, lookups)
    problem = storage_problem(content)
    if problem:
        # Name the field as the legacy record spells it: extra.<name> is the top-level unknown <name>.
        raise RecordRejected(bounded_reason(problem.removeprefix(f"{EXTRA}.")))
    return content


def is_completion_item(item: Mapping[str, Any]) -> bool:
    return str(item.get("pk", "")).startswith(PK_PREFIX) and str(item.get("sk", "")).startswith(SK_PREFIX)
