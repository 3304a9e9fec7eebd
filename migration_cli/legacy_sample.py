"""What `plan` reads of the legacy table, read-only: how many records, and a sample of them classified.

The count is the table's `ItemCount` from DescribeTable (free, but DynamoDB refreshes it only about every
six hours: "DescribeTable", Amazon DynamoDB API reference), or with ``exact`` a `Select=COUNT` Scan, which
reads (and is billed for) the whole table once. The sample is spread over the key space: a parallel scan
in several segments, the first records of each, so a table loaded in order is not judged by its start.
Each sampled record is classified by the very rules the migration applies (``enqueue_records`` and
``migrate_record``, with the stack's record mapping and its lookups): eligibility first (ineligible),
then a message SQS could never carry, then the record contract (invalid); what is left migrates, and its
new item's write units are what the migration pays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from migration_cli.cost_model import item_size_bytes, write_units
from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.json_values import dumps
from migration_runtime.migration_queue_sender import message_fits
from migration_runtime.new_items import Source, build_item
from migration_runtime.record_mapping import Lookups, RecordMapping
from migration_runtime.record_validation import RecordRejected
from migration_runtime.timestamps import utc_now

SAMPLE_SEGMENTS = 8


class RecordClass(StrEnum):
    MIGRATES = "migrates"
    INELIGIBLE = "ineligible"
    INVALID = "invalid"


@dataclass(frozen=True)
class LegacyCount:
    records: int
    exact: bool
    """True: counted by a Scan now; False: DescribeTable's ItemCount (refreshed about every 6 hours)."""


@dataclass(frozen=True)
class LegacySample:
    """A classified sample of legacy records (all zero when the table is empty)."""

    sampled: int = 0
    migrates: int = 0
    ineligible: int = 0
    invalid: int = 0
    legacy_bytes: int = 0
    """DynamoDB item size of every sampled record, summed (what a Scan reads)."""
    migrated_write_units: int = 0
    """Write request units of the new items of the sampled records that migrate, summed."""

    @property
    def mean_legacy_bytes(self) -> float:
        return self.legacy_bytes / self.sampled if self.sampled else 0.0

    @property
    def mean_write_units(self) -> float:
        """Per migrated record; one unit when nothing in the sample migrates (the smallest write)."""
        return self.migrated_write_units / self.migrates if self.migrates else 1.0


def classify(
    record: dict[str, Any], now: datetime, mapping: RecordMapping, lookups: Lookups
) -> tuple[RecordClass, int]:
    """The record's fate in a migration, and the write units of its new item (0 unless it migrates)."""
    if not mapping.is_eligible(record):
        return RecordClass.INELIGIBLE, 0
    if not message_fits(dumps(record)):
        return RecordClass.INVALID, 0
    try:
        # The item itself can still be refused (too large once built): the migration rejects it too.
        content = mapping.transform(mapping.validate(record, now=now), lookups)
        item = build_item(content, source=Source.MIGRATION, written_at=now)
    except RecordRejected:
        return RecordClass.INVALID, 0
    return RecordClass.MIGRATES, write_units(item_size_bytes(to_attribute_map(item)))


def count_legacy(dynamodb: Any, table_name: str, *, exact: bool) -> LegacyCount:
    if not exact:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        return LegacyCount(records=int(table.get("ItemCount", 0)), exact=False)
    pages = dynamodb.get_paginator("scan").paginate(TableName=table_name, Select="COUNT")
    return LegacyCount(records=sum(int(page.get("Count", 0)) for page in pages), exact=True)


def sample_legacy(
    dynamodb: Any,
    table_name: str,
    size: int,
    *,
    mapping: RecordMapping,
    lookups: Lookups,
    now: datetime | None = None,
    segments: int = SAMPLE_SEGMENTS,
) -> LegacySample:
    """Up to ``size`` records, an equal share from the start of each scan segment; a segment that runs
    out leaves its share to the others (segments are rarely equal), so a table smaller than ``size`` is
    read whole."""
    if size <= 0:
        return LegacySample()
    at = now or utc_now()
    counts = {kind: 0 for kind in RecordClass}
    legacy_bytes = units = 0
    for raw in _spread_items(dynamodb, table_name, size, max(1, min(segments, size))):
        kind, item_units = classify(from_attribute_map(raw), at, mapping, lookups)
        counts[kind] += 1
        legacy_bytes += item_size_bytes(raw)
        units += item_units
    return LegacySample(
        sampled=sum(counts.values()),
        migrates=counts[RecordClass.MIGRATES],
        ineligible=counts[RecordClass.INELIGIBLE],
        invalid=counts[RecordClass.INVALID],
        legacy_bytes=legacy_bytes,
        migrated_write_units=units,
    )


def _spread_items(dynamodb: Any, table_name: str, size: int, segments: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    # Each open segment's next scan request (None once the segment is read to its end).
    requests: dict[int, dict[str, Any]] = {
        segment: {"TableName": table_name, "Segment": segment, "TotalSegments": segments}
        for segment in range(segments)
    }
    while len(items) < size and requests:
        share = math.ceil((size - len(items)) / len(requests))
        for segment, request in list(requests.items()):
            wanted = min(share, size - len(items))
            if wanted <= 0:
                break
            response = dynamodb.scan(**request, Limit=wanted)
            items.extend(response.get("Items", []))
            if response.get("LastEvaluatedKey"):
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            else:
                del requests[segment]
    return items
