"""A copy of a legacy record on its way through the migration queue: its body, version and change.

The version and the change ride as SQS message attributes, so the body stays the legacy record as it
is (the bulk copy sends bare bodies, as before):
- ``copy_version`` (String; absent: a scanned copy, ``"0"``), see ``copy_versions``;
- ``copy_change`` (String; absent: ``upsert``): ``upsert`` (the record as it now is) or ``remove`` (the
  legacy record was deleted; the body is its old image, at least its ``application_id``);
- ``prior_receives`` (Number; absent: 0): receives of the record before this message, when it was split
  off a packed bulk-copy message after failing there (``packed_messages``): its attempts go on counting
  from there (retry backoff, the LAST_ERROR it clears, injected faults), while the DLQ counts this
  message's own receives.
SQS counts every attribute's name, data type and value in the message size
("Amazon SQS message attributes": "all components of a message attribute are included in the message
size restriction"), so ``sqs_size`` is what the 1 MiB quota is checked against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from migration_runtime.copy_versions import SCAN_COPY_VERSION, InvalidCopyVersion, is_copy_version
from migration_runtime.size_bounded_batches import sqs_message_size

COPY_VERSION_ATTRIBUTE = "copy_version"
COPY_CHANGE_ATTRIBUTE = "copy_change"
PRIOR_RECEIVES_ATTRIBUTE = "prior_receives"


class CopyChange(StrEnum):
    UPSERT = "upsert"
    REMOVE = "remove"


@dataclass(frozen=True)
class MigrationCopy:
    body: str
    version: str = SCAN_COPY_VERSION
    change: CopyChange = CopyChange.UPSERT
    prior_receives: int = 0

    def __post_init__(self) -> None:
        if not is_copy_version(self.version):
            raise InvalidCopyVersion(f"not a copy version: {self.version[:60]!r}")
        if self.prior_receives < 0:
            raise ValueError("prior_receives must not be negative")

    def message_attributes(self) -> dict[str, dict[str, str]]:
        """The SQS attributes of this copy; none for a scanned upsert (the bulk copy's bare message)."""
        attributes: dict[str, dict[str, str]] = {}
        if self.version != SCAN_COPY_VERSION:
            attributes[COPY_VERSION_ATTRIBUTE] = {"DataType": "String", "StringValue": self.version}
        if self.change is not CopyChange.UPSERT:
            attributes[COPY_CHANGE_ATTRIBUTE] = {"DataType": "String", "StringValue": self.change.value}
        if self.prior_receives:
            attributes[PRIOR_RECEIVES_ATTRIBUTE] = {
                "DataType": "Number",
                "StringValue": str(self.prior_receives),
            }
        return attributes

    def sqs_size(self) -> int:
        return sqs_message_size(self.body, self.message_attributes())


def copy_attributes_from_event(message_attributes: Mapping[str, Any] | None) -> tuple[str, CopyChange]:
    """Version and change from a Lambda SQS event record's ``messageAttributes`` (stringValue form).

    Raises ``InvalidCopyVersion`` or ``ValueError`` for a value no sender writes.
    """
    attributes = message_attributes or {}
    version = _string_value(attributes.get(COPY_VERSION_ATTRIBUTE)) or SCAN_COPY_VERSION
    if not is_copy_version(version):
        raise InvalidCopyVersion(f"not a copy version: {version[:60]!r}")
    change = _string_value(attributes.get(COPY_CHANGE_ATTRIBUTE)) or CopyChange.UPSERT.value
    return version, CopyChange(change)


def prior_receives_from_event(message_attributes: Mapping[str, Any] | None) -> int:
    """``prior_receives`` from a Lambda SQS event record's ``messageAttributes`` (0 when absent).

    Raises ``ValueError`` for a value no sender writes (not a non-negative integer).
    """
    value = _string_value((message_attributes or {}).get(PRIOR_RECEIVES_ATTRIBUTE))
    if value is None:
        return 0
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise ValueError(f"{PRIOR_RECEIVES_ATTRIBUTE}: not a receive count: {value[:20]!r}")
    return int(value)


def _string_value(attribute: Any) -> str | None:
    if not isinstance(attribute, Mapping):
        return None
    value = attribute.get("stringValue", attribute.get("StringValue"))
    return value if isinstance(value, str) else None
