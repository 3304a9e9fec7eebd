"""The legacy completion record: the contract the workout app's ``completions`` table and intake carry.

One item per completion of a routine by a user: ``completion_id``, ``user_id``, ``routine_id``,
``completed_at`` (ISO 8601 with an offset), ``status``, ``duration_seconds`` and optional ``notes`` (free
text, personal). Strict types (a number is not a string), unknown fields allowed and kept. Error messages
written here never quote the input: they end up in rejection reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES, DYNAMODB_MAX_SORT_KEY_BYTES
from migration_runtime.dynamodb_storable import storage_problem
from migration_runtime.json_values import plain
from migration_runtime.record_validation import RecordRejected, bounded_reason, rejection_reason
from migration_runtime.safe_text import utf8_size
from migration_runtime.timestamps import utc_now

MAX_FUTURE_SKEW = timedelta(minutes=5)
NOW_CONTEXT_KEY = "now"
# Key limits once built into the new table's keys: pk = USER#<user_id>,
# sk = COMPLETION#<completed_at as 2024-01-01T00:00:00.000000Z>#<completion_id>.
PK_PREFIX = "USER#"
SK_PREFIX = "COMPLETION#"
_SK_FIXED_BYTES = len(SK_PREFIX) + len("2024-01-01T00:00:00.000000Z") + len("#")
MAX_USER_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES - len(PK_PREFIX)
MAX_COMPLETION_ID_BYTES = DYNAMODB_MAX_SORT_KEY_BYTES - _SK_FIXED_BYTES
# A routine id is the lookup table's partition key: DynamoDB's partition key limit applies as it is.
MAX_ROUTINE_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES
# ISO 8601 / RFC 3339 text with a UTC offset; no epoch numbers (pydantic alone would read "1700000000").
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})",
    re.ASCII,
)
_ISO_DATE_TIME_WITHOUT_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?", re.ASCII
)


class Status(StrEnum):
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"
    DELETED = "DELETED"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _iso_date_time_text(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATE_TIME.fullmatch(value):
        return value
    if isinstance(value, str) and _ISO_DATE_TIME_WITHOUT_OFFSET.fullmatch(value):
        raise ValueError("must include a UTC offset")
    raise ValueError("must be an ISO 8601 date-time with a UTC offset")


def _representable_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00:00+05:00 is valid ISO 8601 text whose UTC time falls before year 1.
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be representable in UTC (within years 1 to 9999)") from None
    return value


def _at_most(limit: int, what: str) -> Any:
    def check(value: str) -> str:
        if utf8_size(value) > limit:
            raise ValueError(f"longer than {limit} bytes in UTF-8 ({what})")
        return value

    return AfterValidator(check)


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_iso_date_time_text), AfterValidator(_representable_in_utc)
]
CompletionId = Annotated[Text, _at_most(MAX_COMPLETION_ID_BYTES, "DynamoDB's sort key limit once built")]
UserId = Annotated[Text, _at_most(MAX_USER_ID_BYTES, "DynamoDB's partition key limit once built")]
RoutineId = Annotated[Text, _at_most(MAX_ROUTINE_ID_BYTES, "DynamoDB's partition key limit")]


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

    @field_validator("completed_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        # "now" comes from the validation context so tests and the verifier use one clock.
        context = info.context or {}
        now: datetime = context.get(NOW_CONTEXT_KEY) or utc_now()
        if value > now + MAX_FUTURE_SKEW:
            raise ValueError("must not be more than 5 minutes in the future")
        return value

    @property
    def unknown_fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def validate_completion(raw_record: Any, *, now: datetime | None = None) -> CompletionRecord:
    """The record as a model, or ``RecordRejected``: whatever the input, nothing else is raised.

    First what DynamoDB can store at all (see ``dynamodb_storable``), then the fields.
    """
    if not isinstance(raw_record, Mapping):
        raise RecordRejected("record: must be a JSON object")
    problem = storage_problem(raw_record)
    if problem:
        raise RecordRejected(bounded_reason(problem))
    try:
        return CompletionRecord.model_validate(plain(raw_record), context={NOW_CONTEXT_KEY: now or utc_now()})
    except ValidationError as error:
        raise RecordRejected(rejection_reason(error)) from None
    except (RecursionError, TypeError, ValueError, OverflowError, ArithmeticError) as error:
        # Defence in depth: the storability check above should leave nothing pydantic cannot handle.
        raise RecordRejected(f"record: cannot be validated ({type(error).__name__})") from None
