"""Versioned copies on the migration queue: the body is the legacy record, the version and kind of change
travel as SQS message attributes (a scan copy has none: version "0", an upsert)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

COPY_VERSION_ATTRIBUTE = "copy_version"
COPY_CHANGE_ATTRIBUTE = "copy_change"


@dataclass(frozen=True)
class MigrationCopy:
    body: str
    version: str
    change: str = "upsert"


def send_copies(sqs: Any, *, queue_url: str, copies: Sequence[MigrationCopy]) -> int:
    for start in range(0, len(copies), 10):
        entries = [
            {
                "Id": str(index),
                "MessageBody": copy.body,
                "MessageAttributes": {
                    COPY_VERSION_ATTRIBUTE: {"DataType": "String", "StringValue": copy.version},
                    COPY_CHANGE_ATTRIBUTE: {"DataType": "String", "StringValue": copy.change},
                },
            }
            for index, copy in enumerate(copies[start : start + 10])
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} copies not accepted")
    return len(copies)
