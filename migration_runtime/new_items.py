"""The new table's record item, for any mapping: the mapping's content plus what the machine adds.

A mapping's ``transform`` gives the content (``pk``, ``sk`` and attributes); the machine checks it against
DynamoDB's limits and adds ``checksum`` (over the content: every attribute except checksum, source,
written_at and version), ``source`` and ``written_at``; ``version`` is added with the write
(``application_writes``). So the verifier can recompute the checksum from either side.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from migration_runtime.checksum import checksum
from migration_runtime.dynamodb_storable import item_size_problem, storage_problem
from migration_runtime.record_validation import RecordRejected, bounded_reason
from migration_runtime.timestamps import to_utc_z

NOT_CONTENT = frozenset({"checksum", "source", "written_at", "version"})
# checksum (64 hex), source, written_at (27), version (an intake version: about 54 with a message id)
# and their names, rounded up.
NOT_CONTENT_BYTES = 240


class Source(StrEnum):
    MIGRATION = "migration"
    INTAKE = "intake"


def fitting_content(content: dict[str, Any]) -> dict[str, Any]:
    """``content``, or ``RecordRejected`` when the new table could not store it.

    A valid legacy record can still not fit once transformed (fields moved a level down, keys and copied
    definitions add bytes), so nesting and the 400 KB item limit are checked on the transformed item, with
    room for what the machine adds.
    """
    reserved = NOT_CONTENT.intersection(content)
    if reserved:
        # A mapping's mistake, not the record's: raised as is, so it is retried and seen, never ledgered.
        raise ValueError(f"a mapping's content must not hold {sorted(reserved)} (the machine adds them)")
    problem = storage_problem(content)
    if problem:
        raise RecordRejected(bounded_reason(problem))
    problem = item_size_problem(content, reserve_bytes=NOT_CONTENT_BYTES)
    if problem:
        raise RecordRejected(f"{problem} once transformed")
    return content


def build_item(content: dict[str, Any], *, source: Source, written_at: datetime) -> dict[str, Any]:
    """The item to write: fitting ``content`` with its checksum, source and time of writing."""
    content = fitting_content(content)
    return {
        **content,
        "checksum": checksum(content),
        "source": source.value,
        "written_at": to_utc_z(written_at),
    }


def content_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """The content part of a stored item, to recompute its checksum."""
    return {key: value for key, value in item.items() if key not in NOT_CONTENT}
