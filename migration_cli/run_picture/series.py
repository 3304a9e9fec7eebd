"""The numbers behind the charts: reasons grouped, records migrated per interval, axis steps (pure)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from migration_cli.run_picture.model import CountBucket, ListedIssue, ReasonGroup


def reason_groups(issues: Iterable[ListedIssue]) -> list[ReasonGroup]:
    """One group per kind and exact reason, the most frequent first (then by kind and reason, so the
    order is stable)."""
    counted = Counter((issue.kind, issue.reason) for issue in issues)
    groups = [ReasonGroup(kind=kind, reason=reason, count=count) for (kind, reason), count in counted.items()]
    return sorted(groups, key=lambda group: (-group.count, group.kind, group.reason))


def nice_step(span: float, ticks: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` steps over `span`."""
    if span <= 0 or ticks <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def per_interval(
    moments: Iterable[float], span_seconds: float, intervals: int = 40
) -> tuple[CountBucket, ...]:
    """How many moments (seconds since the start) fall in each of about `intervals` equal, round-sized
    intervals covering [0, span_seconds]; a moment outside the span widens it (a clock skew between the
    writer and Step Functions must not lose a record)."""
    values = list(moments)
    if not values:
        return ()
    low = min(0.0, min(values))
    high = max(span_seconds, max(values))
    width = max(1.0, nice_step(high - low, intervals))
    first = math.floor(low / width)
    counts = Counter(math.floor(value / width) - first for value in values)
    buckets = range(max(counts) + 1)
    return tuple(
        CountBucket(start_seconds=(first + index) * width, width_seconds=width, count=counts.get(index, 0))
        for index in buckets
    )


def parse_moment(value: object) -> datetime | None:
    """A timestamp from boto3 (datetime) or from an item or document (ISO 8601 text, `Z` allowed)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def seconds_between(start: datetime, value: object) -> float | None:
    moment = parse_moment(value)
    if moment is None:
        return None
    try:
        return (moment - start).total_seconds()
    except TypeError:
        # One naive, one aware: not comparable, so not placed.
        return None
