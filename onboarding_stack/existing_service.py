"""Which live service the stack adopts, from config: its intake queue, legacy table, legacy consumer and
the record mapping's lookup tables. Plain, checked data; nothing here talks to AWS.

An adopted service is referenced read-only (Pulumi ``get`` functions, ``onboarding_stack/legacy_service.py``),
never imported: ``pulumi destroy`` of the migration stack cannot touch it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migration_runtime.record_mapping import RecordMapping

INTAKE_QUEUE_KEY = "existingIntakeQueueArn"
LEGACY_TABLE_KEY = "existingLegacyTableName"
LEGACY_MAPPING_KEY = "existingLegacyMappingUuid"
LOOKUP_TABLES_KEY = "existingLookupTables"
ADOPTION_KEYS = (INTAKE_QUEUE_KEY, LEGACY_TABLE_KEY, LEGACY_MAPPING_KEY)

# arn:aws:sqs:<region>:<account>:<name>; a queue URL ends in /<account>/<name> (AWS and the local emulator).
_QUEUE_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:(?P<name>[A-Za-z0-9_-]{1,80}(\.fifo)?)$")
_QUEUE_URL = re.compile(r"^https?://[^/]+/\d{12}/(?P<name>[A-Za-z0-9_-]{1,80}(\.fifo)?)$")
_MAPPING_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class AdoptionConfigError(ValueError):
    """The adoption keys are incomplete or malformed."""


def queue_name_of(arn_or_url: str) -> str:
    """The queue's name from its ARN or its URL (``sqs.get_queue`` looks a queue up by name)."""
    for pattern in (_QUEUE_ARN, _QUEUE_URL):
        match = pattern.match(arn_or_url.strip())
        if match:
            return match.group("name")
    raise AdoptionConfigError(
        f"{INTAKE_QUEUE_KEY} must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>) or URL "
        f"(https://sqs.<region>.amazonaws.com/<account>/<name>), got {arn_or_url!r}"
    )


@dataclass(frozen=True)
class ExistingService:
    """The live service to adopt (names as configured, not yet looked up)."""

    intake_queue_name: str
    legacy_table_name: str
    legacy_mapping_uuid: str
    lookup_tables: Mapping[str, str] = field(default_factory=dict)
    """Lookup name (as the mapping declares it) -> the existing table's name."""


def existing_service(
    values: Mapping[str, str | None], lookup_tables: Any, mapping: RecordMapping
) -> ExistingService | None:
    """The adopted service, or None to create the stack's own demo legacy service.

    ``values`` holds the three adoption keys (unset: None or empty); all three or none."""
    given = {key: (values.get(key) or "").strip() for key in ADOPTION_KEYS}
    missing = [key for key, value in given.items() if not value]
    if len(missing) == len(ADOPTION_KEYS):
        if lookup_tables:
            raise AdoptionConfigError(
                f"{LOOKUP_TABLES_KEY} only applies when adopting an existing service "
                f"(set {', '.join(ADOPTION_KEYS)} too); without them the stack creates its own lookup tables"
            )
        return None
    if missing:
        raise AdoptionConfigError(
            "adopting an existing service needs all of "
            f"{', '.join(ADOPTION_KEYS)}; missing: {', '.join(missing)} (set all three, or none to let the "
            "stack create its own demo legacy service)"
        )
    uuid = given[LEGACY_MAPPING_KEY]
    if not _MAPPING_UUID.match(uuid):
        raise AdoptionConfigError(
            f"{LEGACY_MAPPING_KEY} must be an event source mapping UUID "
            f"(aws lambda list-event-source-mappings), got {uuid!r}"
        )
    return ExistingService(
        intake_queue_name=queue_name_of(given[INTAKE_QUEUE_KEY]),
        legacy_table_name=given[LEGACY_TABLE_KEY],
        legacy_mapping_uuid=uuid,
        lookup_tables=_lookup_tables(lookup_tables, mapping),
    )


def _lookup_tables(configured: Any, mapping: RecordMapping) -> dict[str, str]:
    configured = configured or {}
    if not isinstance(configured, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip() for key, value in configured.items()
    ):
        raise AdoptionConfigError(
            f"{LOOKUP_TABLES_KEY} must be an object of lookup name -> existing table name, e.g. "
            f'{{"routines": "workouts-routines"}}; got {configured!r}'
        )
    wanted = {lookup.name for lookup in mapping.lookup_tables}
    unknown = sorted(set(configured) - wanted)
    if unknown:
        raise AdoptionConfigError(
            f"{LOOKUP_TABLES_KEY} names {unknown}, which the {mapping.name!r} mapping does not read "
            f"(its lookup tables: {sorted(wanted) or 'none'})"
        )
    absent = sorted(wanted - set(configured))
    if absent:
        raise AdoptionConfigError(
            f"the {mapping.name!r} mapping reads the lookup tables {sorted(wanted)}: when adopting, "
            f"{LOOKUP_TABLES_KEY} must name an existing table for each; missing: {absent}"
        )
    return {name: value.strip() for name, value in configured.items()}
