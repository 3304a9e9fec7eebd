"""The legacy completion record: the contract the workout app's ``completions`` table and intake carry.

One item per completion of a routine by a user: ``completion_id``, ``user_id``, ``routine_id``,
``completed_at`` (ISO 8601 with an offset), ``status``, ``duration_seconds`` and optional ``notes`` (free
text, personal). Strict types (a number is not a string), unknown fields allowed and kept. Error messages
written here never quote the input: they end up in rejection reasons.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES, DYNAMODB_MAX_SORT_KEY_BYTES
from migration_runtime.record_fields import (
    NOW_CONTEXT_KEY,
    UTC_Z_TEXT_BYTES,
    IsoDateTime,
    Text,
    at_most_bytes,
    not_in_future,
)
from migration_runtime.record_validation import validated_model
from migration_runtime.timestamps import utc_now

# Key limits once built into the new table's keys: pk = USER#<user_id>,
# sk = COMPLETION#<completed_at as 2024-01-01T00:00:00.000000Z>#<completion_id>.
PK_PREFIX = "USER#"
SK_PREFIX = "COMPLETION#"
_SK_FIXED_BYTES = len(SK_PREFIX) + UTC_Z_TEXT_BYTES + len("#")
MAX_USER_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES - len(PK_PREFIX)
MAX_COMPLETION_ID_BYTES = DYNAMODB_MAX_SORT_KEY_BYTES - _SK_FIXED_BYTES
# A routine id is the lookup table's partition key: DynamoDB's partition key limit applies as it is.
MAX_ROUTINE_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES


class Status(StrEnum):
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"
    DELETED = "DELETED"


CompletionId = Annotated[Text, at_most_bytes(MAX_COMPLETION_ID_BYTES, "DynamoDB's sort key limit once built")]
UserId = Annotated[Text, at_most_bytes(MAX_USER_ID_BYTES, "DynamoDB's partition key limit once built")]
RoutineId = Annotated[Text, at_most_bytes(MAX_ROUTINE_ID_BYTES, "DynamoDB's partition key limit")]


class CompletionRecord(BaseModel):
    # extra="allow": unknown fields are kept (model_extra) and dumped with the known ones.
    model_config = ConfigDict(extra="allow", frozen=True)

    completion_id: CompletionId
    user_id: UserId
    routine_id: RoutineId
    completed_at: IsoDateTime
    status: Status
    duration_seconds: Annotated[StrictInt, Field(ge=0)]
    notes: StrictStr | None = None

    _not_in_future = field_validator("completed_at")(not_in_future)

    @property
    def unknown_fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def validate_completion(raw_record: Any, *, now: datetime | None = None) -> CompletionRecord:
    """The record as a ``CompletionRecord``, or ``RecordRejected`` naming the fields (never their values)."""
    return validated_model(CompletionRecord, raw_record, context={NOW_CONTEXT_KEY: now or utc_now()})
