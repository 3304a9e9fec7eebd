"""The new service's onboarding item: the legacy record transformed to the single-table design.

Customer first, date/time second: ``pk = CUSTOMER#<customer_id>``,
``sk = ONBOARDING#<submitted_at UTC Z>#<application_id>``. The plan definition is copied in at write time,
unknown legacy fields are kept under ``extra``. What every mapping's item gets (``checksum`` over the
content, ``source``, ``written_at``, the 400 KB check) is the machine's: ``migration_runtime.new_items``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from migration_runtime.dynamodb_storable import storage_problem
from migration_runtime.json_values import plain
from migration_runtime.new_items import Source, build_item
from migration_runtime.record_validation import RecordRejected, bounded_reason
from migration_runtime.timestamps import to_utc_z
from record_mappings.onboarding.legacy_record import LegacyRecord

PK_PREFIX = "CUSTOMER#"
SK_PREFIX = "ONBOARDING#"
EXTRA = "extra"


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
    """``onboarding_content``, or ``RecordRejected`` naming a field DynamoDB could not store once nested.

    Top-level unknown fields move one level down (under ``extra``), so one may nest too deep only once
    transformed; the reason names it as the legacy record spells it. The 400 KB item limit, with room for
    what the machine adds, is checked by the machine on every item it builds (``new_items.build_item``).
    """
    content = onboarding_content(record)
    problem = storage_problem(content)
    if problem:
        # Name the field as the legacy record spells it: extra.<name> is the top-level unknown <name>.
        raise RecordRejected(bounded_reason(problem.removeprefix(f"{EXTRA}.")))
    return content


def build_onboarding_item(record: LegacyRecord, *, source: Source, written_at: datetime) -> dict[str, Any]:
    """The item to write; raises ``RecordRejected`` when it could not be stored (see fitting_content)."""
    return build_item(fitting_content(record), source=source, written_at=written_at)


def is_onboarding_item(item: Mapping[str, Any]) -> bool:
    return str(item.get("pk", "")).startswith(PK_PREFIX) and str(item.get("sk", "")).startswith(SK_PREFIX)
