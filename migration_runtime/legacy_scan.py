"""Scan one segment of the legacy table page by page, with an opaque cursor.

The cursor is the scan's LastEvaluatedKey, encoded as URL-safe base64 JSON so it passes through Step
Functions state untouched. Reads are strongly consistent: the migration runs after the legacy consumer is
paused, and a consistent scan sees every write that paused consumer made.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class ScanPage:
    records: list[dict[str, Any]]
    cursor: str | None  # None: the segment is complete


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    text = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor("cursor is not one this function returned") from error
    if not isinstance(key, dict) or not key:
        raise InvalidCursor("cursor is not one this function returned")
    return key


def scan_page(
    dynamodb: Any,
    *,
    table_name: str,
    segment: int,
    total_segments: int,
    cursor: str | None,
    page_size: int,
) -> ScanPage:
    request: dict[str, Any] = {
        "TableName": table_name,
        "Segment": segment,
        "TotalSegments": total_segments,
        "Limit": page_size,
        "ConsistentRead": True,
    }
    start_key = decode_cursor(cursor)
    if start_key:
        request["ExclusiveStartKey"] = start_key
    response = dynamodb.scan(**request)
    records = [from_attribute_map(item) for item in response.get("Items", [])]
    return ScanPage(records=records, cursor=encode_cursor(response.get("LastEvaluatedKey")))


def scan_segment(
    dynamodb: Any, *, table_name: str, segment: int, total_segments: int, page_size: int = 1000
) -> Iterator[dict[str, Any]]:
    """Every item of one segment (the verifier reads whole segments)."""
    cursor: str | None = None
    while True:
        page = scan_page(
            dynamodb,
            table_name=table_name,
            segment=segment,
            total_segments=total_segments,
            cursor=cursor,
            page_size=page_size,
        )
        yield from page.records
        if page.cursor is None:
            return
        cursor = page.cursor
