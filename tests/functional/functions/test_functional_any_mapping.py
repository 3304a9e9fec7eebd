"""The functions run any record mapping: a small one, keyed by ``completion_id``, that reads a lookup table.

The mapping is a test double installed as ``record_mappings.seam_test.mapping`` and chosen the way the
stack chooses one (``RECORD_MAPPING``, ``LOOKUP_TABLE_<NAME>``): nothing of onboarding is involved.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from functions.migrate_record import handler as migrate
from functions.validate_migration import handler as validate
from migration_runtime import settings as env
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_ledger import REJECTED, ledger_pk
from migration_runtime.record_mapping import Lookups, LookupTable
from migration_runtime.record_validation import RecordRejected

MAPPING_NAME = "seam_test"


@dataclass(frozen=True)
class CompletionMapping:
    name: str = MAPPING_NAME
    record_id_field: str = "completion_id"
    record_kind: str = "COMPLETION"
    loggable_fields: tuple[str, ...] = ("completion_id", "user_id")
    personal_fields: tuple[tuple[str, ...], ...] = (("user", "name"),)
    lookup_tables: tuple[LookupTable, ...] = (LookupTable("routines", "routine_id", "valid_from"),)

    def is_eligible(self, raw: Mapping[str, Any]) -> bool:
        return raw.get("state") != "deleted"

    def validate(self, raw: Any, *, now: datetime) -> dict[str, str]:
        for name in ("completion_id", "user_id", "routine_id", "completed_at"):
            if not isinstance(raw.get(name), str):
                raise RecordRejected(f"{name}: must be a string")
        return {name: raw[name] for name in ("completion_id", "user_id", "routine_id", "completed_at")}

    def transform(self, record: dict[str, str], lookups: Lookups) -> dict[str, Any]:
        routine = lookups.latest_at_or_before("routines", record["routine_id"], record["completed_at"])
        if routine is None:
            raise RecordRejected("routine_id: no version of the routine at completed_at")
        return {
            "pk": f"USER#{record['user_id']}",
            "sk": f"DONE#{record['completed_at']}#{record['completion_id']}",
            "completion_id": record["completion_id"],
            "routine": routine["definition"],
        }

    def is_item(self, item: Mapping[str, Any]) -> bool:
        return str(item.get("sk", "")).startswith("DONE#")


@pytest.fixture
def completions(stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The stack with the test mapping chosen, a completions legacy table and a routines lookup table."""
    module = types.ModuleType(f"record_mappings.{MAPPING_NAME}.mapping")
    module.MAPPING = CompletionMapping()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    stack.dynamodb.create_table(
        TableName="completions",
        KeySchema=[{"AttributeName": "completion_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "completion_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    stack.dynamodb.create_table(
        TableName="routines",
        KeySchema=[
            {"AttributeName": "routine_id", "KeyType": "HASH"},
            {"AttributeName": "valid_from", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "routine_id", "AttributeType": "S"},
            {"AttributeName": "valid_from", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for valid_from, definition in (("2024-01-01", "3x10 squats"), ("2024-06-01", "5x5 squats")):
        item = {"routine_id": "r-1", "valid_from": valid_from, "definition": definition}
        stack.dynamodb.put_item(TableName="routines", Item=to_attribute_map(item))
    monkeypatch.setenv(env.RECORD_MAPPING, MAPPING_NAME)
    monkeypatch.setenv(f"{env.LOOKUP_TABLE_PREFIX}ROUTINES", "routines")
    monkeypatch.setenv(env.LEGACY_TABLE_NAME, "completions")
    yield dataclasses.replace(stack, legacy_table="completions")


def completion(completion_id: str, completed_at: str, **changes: Any) -> dict[str, Any]:
    return {
        "completion_id": completion_id,
        "user_id": "u-1",
        "routine_id": "r-1",
        "completed_at": completed_at,
        "user": {"name": "Ada Lovelace"},
        **changes,
    }


def test_migrate_record_keys_transforms_and_ledgers_by_the_mapping(completions, events, lambda_context):
    # GIVEN completions before and after the routine changed, one naming no known routine, one deleted
    records = [
        completion("c-1", "2024-03-01T10:00:00Z"),
        completion("c-2", "2024-07-01T10:00:00Z"),
        completion("c-3", "2024-07-01T10:00:00Z", routine_id="r-404"),
        completion("c-4", "2024-07-01T10:00:00Z", state="deleted"),
    ]

    # WHEN their messages are processed by the deployed handler
    response = migrate.lambda_handler(events.sqs_event(*(json.dumps(r) for r in records)), lambda_context)

    # THEN each item carries the routine as it was at completion time, keyed by the mapping
    assert response == {"batchItemFailures": []}
    items = {item["sk"]: item for item in completions.new_table_items()}
    assert items["DONE#2024-03-01T10:00:00Z#c-1"]["routine"] == "3x10 squats"
    assert items["DONE#2024-07-01T10:00:00Z#c-2"]["routine"] == "5x5 squats"
    # ... each live record's pointer under the mapping's record kind, and the unknown routine rejected by id
    pointers = {item["pk"]: item["fate"] for item in completions.new_table_items() if item["sk"] == "POINTER"}
    assert pointers == {"COMPLETION#c-1": "live", "COMPLETION#c-2": "live"}
    [rejected] = [item for item in completions.control_items() if item["pk"] == ledger_pk("c-3")]
    assert rejected["sk"] == REJECTED and "routine_id" in rejected["reason"]


def test_validate_migration_recomputes_items_with_the_mappings_lookups(completions, events, lambda_context):
    # GIVEN two completions in the legacy table, migrated
    records = [completion("c-1", "2024-03-01T10:00:00Z"), completion("c-2", "2024-07-01T10:00:00Z")]
    completions.put_legacy(records)
    migrate.lambda_handler(events.sqs_event(*(json.dumps(r) for r in records)), lambda_context)

    # WHEN verified
    clean = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN both are migrated and match
    assert clean["clean"] is True
    assert clean["counts"]["migrated"] == 2 and clean["counts"]["checksum_mismatches"] == 0

    # WHEN a routine version the migration did not see appears before c-2's completion
    item = {"routine_id": "r-1", "valid_from": "2024-06-15", "definition": "4x8 squats"}
    completions.dynamodb.put_item(TableName="routines", Item=to_attribute_map(item))
    changed = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN the verifier, reading the lookups afresh, finds c-2's copied definition different
    assert changed["clean"] is False
    assert [entry["application_id"] for entry in changed["checksum_mismatches"]] == ["c-2"]
