"""The new service's onboarding item: the legacy record transformed to the single-table design.

Customer first, date/time second: ``pk = CUSTOMER#<customer_id>``,
``sk = ONBOARDING#<submitted_at UTC Z>#<application_id>``. The plan definition is copied in at write time,
unknown legacy fields are kept under ``extra``, and ``checksum`` covers the transformed content (every
attribute except checksum, source, written_at and version), so the verifier can recompute it from either side.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from migration_runtime.checksum import checksum
from migration_runtime.dynamodb_storable import item_size_problem, storage_problem
from migration_runtime.json_values import plain
from migration_runtime.record_validation import RecordRejected, bounded_reason
from migration_runtime.timestamps import to_utc_z
from record_mappings.onboarding.legacy_record import LegacyRecord

PK_PREFIX = "CUSTOMER#"
SK_PREFIX = "ONBOARDING#"
NOT_CONTENT = frozenset({"checksum", "source", "written_at", "version"})
EXTRA = "extra"
# checksum (64 hex), source, written_at (27), version (an intake version: about 54 with a message id)
# and their names, rounded up.
_NOT_CONTENT_BYTES = 240


class Source(StrEnum):
    MIGRATION = "migration"
    INTAKE = "intake"


def item_key(record: LegacyRecord) -> dict[str, str]:
    return {
        "pk": f"{PK_PREFIX}{record.customer_id}",
        "sk": f"{SK_PREFIX}{to_utc_z(record.submitted_at)}#{record.application_id}",
    }


def onboarding_content(record: LegacyRecord) -> dict[str, Any]:
    """The transformed content, without source and timestamps (what the checksum covers)."""
    business = record.business.model_dump(mode="json")
    # One canonical tax id form in the new design; both legacy spellings are the same number.
    business["tax_id"] = record.business.tax_id_digits
    return plain(
        {
            **item_key(record),
            "application_id": record.application_id,
            "customer_id": record.customer_id,
            "submitted_at": to_utc_z(record.submitted_at),
            "status": record.status.value,
            "business": business,
            "contact": record.contact.model_dump(mode="json"),
            "address": record.address.model_dump(mode="json"),
            "plan": record.product.model_dump(mode="json"),
            "steps_completed": list(record.steps_completed),
            EXTRA: record.unknown_fields,
        }
    )


def fitting_content(record: LegacyRecord) -> dict[str, Any]:
    """``onboarding_content``, or ``RecordRejected`` when the new table could not store it.

    A valid legacy record can still not fit once transformed: its top-level unknown fields move one level
    down (under ``extra``), and the plan and keys add bytes, so nesting and the 400 KB item limit are
    checked on the transformed item (with room for checksum, source and written_at).
    """
    content = onboarding_content(record)
    problem = storage_problem(content)
    if problem:
        # Name the field as the legacy record spells it: extra.<name> is the top-level unknown <name>.
        raise RecordRejected(bounded_reason(problem.removeprefix(f"{EXTRA}.")))
    problem = item_size_problem(content, reserve_bytes=_NOT_CONTENT_BYTES)
    if problem:
        raise RecordRejected(f"{problem} once transformed")
    return content


def build_onboarding_item(record: LegacyRecord, *, source: Source, written_at: datetime) -> dict[str, Any]:
    """The item to write; raises ``RecordRejected`` when it could not be stored (see fitting_content)."""
    content = fitting_content(record)
    return {
        **content,
        "checksum": checksum(content),
        "source": source.value,
        "written_at": to_utc_z(written_at),
    }


def content_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """The content part of a stored item, to recompute its checksum."""
    return {key: value for key, value in item.items() if key not in NOT_CONTENT}


def is_onboarding_item(item: Mapping[str, Any]) -> bool:
    return str(item.get("pk", "")).startswith(PK_PREFIX) and str(item.get("sk", "")).startswith(SK_PREFIX)
