"""UTC clock and the one timestamp format used in keys and attributes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix and fixed microsecond precision.

    Fixed width keeps sort keys ordered lexicographically (``...56Z`` would sort after ``...56.5Z``)
    and microseconds lose nothing a legacy timestamp may carry.
    """
    if moment.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
