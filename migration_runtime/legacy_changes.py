"""One change of the legacy table, read from a record of its DynamoDB stream (NEW_AND_OLD_IMAGES).

INSERT and MODIFY carry the record as it is now (``NewImage``); REMOVE carries it as it was
(``OldImage``). The images are DynamoDB JSON, decoded with exact numbers (Decimals), so the copy sent on is
the very record the legacy backend stored. Event shape: "Tutorial #2: Using filters to process some events
with DynamoDB and Lambda" / "Using AWS Lambda with Amazon DynamoDB" in the Lambda developer guide
(https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migration_runtime.copy_versions import stream_copy_version
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.migration_copies import CopyChange
from migration_runtime.record_ids import record_id_of
from migration_runtime.run_sentinels import is_sentinel


class UnreadableChange(ValueError):
    """A stream record this consumer cannot read (not a record of a NEW_AND_OLD_IMAGES stream)."""


@dataclass(frozen=True)
class LegacyChange:
    sequence_number: str
    application_id: str
    kind: CopyChange
    record: dict[str, Any]
    """The record after the change (upsert) or before it (remove)."""

    @property
    def version(self) -> str:
        return stream_copy_version(self.sequence_number)

    @property
    def is_sentinel(self) -> bool:
        return is_sentinel(self.application_id)


def legacy_change(stream_record: Mapping[str, Any], id_field: str) -> LegacyChange:
    """The change one stream record describes (its record named by ``id_field``, the mapping's
    ``record_id_field``); ``UnreadableChange`` when it lacks what a copy needs."""
    event_name = stream_record.get("eventName")
    data = stream_record.get("dynamodb")
    if not isinstance(data, Mapping):
        raise UnreadableChange("no dynamodb section")
    sequence_number = data.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number:
        raise UnreadableChange("no SequenceNumber")
    if event_name in ("INSERT", "MODIFY"):
        kind, image_name = CopyChange.UPSERT, "NewImage"
    elif event_name == "REMOVE":
        kind, image_name = CopyChange.REMOVE, "OldImage"
    else:
        raise UnreadableChange(f"eventName {str(event_name)[:40]!r} is not INSERT, MODIFY or REMOVE")
    # A REMOVE without its old image (a KEYS_ONLY stream) still names the record by its keys.
    image = data.get(image_name) or (data.get("Keys") if kind is CopyChange.REMOVE else None)
    if not isinstance(image, Mapping):
        raise UnreadableChange(f"no {image_name}: the stream must be NEW_AND_OLD_IMAGES")
    record = from_attribute_map(image)
    application_id = record_id_of(record, id_field)
    if application_id is None:
        raise UnreadableChange(f"the image has no {id_field}")
    return LegacyChange(sequence_number, application_id, kind, record)
