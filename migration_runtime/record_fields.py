"""Field types a mapping's pydantic contract builds on: the rules every legacy contract here shares.

Strict text that is not blank, ISO 8601 date-times that carry a UTC offset (never epoch numbers), ids that
still fit DynamoDB's key limits once built into the new table's keys, and a "not in the future" check that
reads its clock from the validation context (so the verifier and the tests use one clock). Messages never
quote the input: they end up in rejection reasons.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StrictStr, ValidationInfo

from migration_runtime.safe_text import utf8_size
from migration_runtime.timestamps import utc_now

MAX_FUTURE_SKEW = timedelta(minutes=5)
NOW_CONTEXT_KEY = "now"
# The fixed part of a timestamp once built into a sort key (what to_utc_z writes).
UTC_Z_TEXT_BYTES = len("2024-01-01T00:00:00.000000Z")
# ISO 8601 / RFC 3339 text: a full date, a time to the minute at least (fractions up to microseconds,
# which is what the new table keeps) and a UTC offset. No epoch numbers, no numeric strings: pydantic
# alone would read "1700000000", "-1" or "1.5e9" as Unix timestamps.
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})",
    re.ASCII,
)
_ISO_DATE_TIME_WITHOUT_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?", re.ASCII
)


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
    # 0001-01-01T00:00:00+05:00 is a valid ISO 8601 text whose UTC time falls before year 1.
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be representable in UTC (within years 1 to 9999)") from None
    return value


def at_most_bytes(limit: int, why: str) -> Any:
    """A validator refusing text over ``limit`` bytes in UTF-8, saying ``why`` (e.g. which key limit)."""

    def check(value: str) -> str:
        if utf8_size(value) > limit:
            raise ValueError(f"longer than {limit} bytes in UTF-8 ({why})")
        return value

    return AfterValidator(check)


def not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    """For a ``field_validator``: refuse a time more than ``MAX_FUTURE_SKEW`` after the context's now."""
    context = info.context or {}
    now: datetime = context.get(NOW_CONTEXT_KEY) or utc_now()
    if value > now + MAX_FUTURE_SKEW:
        raise ValueError("must not be more than 5 minutes in the future")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_iso_date_time_text), AfterValidator(_representable_in_utc)
]
