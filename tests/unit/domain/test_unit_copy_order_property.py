"""Property: whatever order the copies of legacy records arrive in, the new table ends as the legacy table.

Random histories of a few applications in the legacy table (create, change content, move the key by
changing submitted_at or customer_id, make ineligible and eligible again, make invalid, delete,
re-create) produce stream copies with increasing sequence numbers; scanned copies are taken at random
moments (rank 0, the content of that moment); optionally the live intake resubmits some applications
after everything. All of them are delivered in a random order with random redeliveries, and the steps of
different copies (plan from the pointer, then the transaction) interleave at random. The final new table
(onboarding items and pointers) must equal the transformation of the final legacy table: eligible valid
records live under their current key, and nothing else: no leftover, no duplicate, no resurrected delete.
"""

from __future__ import annotations

import copy as copying
import itertools
import json
import random
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from demo_data.onboarding_records import valid_record
from migration_runtime.application_writes import (
    ApplicationCopy,
    Fate,
    WriteResult,
    is_pointer_item,
    pointer_from_item,
    write_steps,
)
from migration_runtime.copy_versions import SCAN_COPY_VERSION, intake_copy_version, stream_copy_version
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.lookup_tables import NoLookups
from migration_runtime.migration_copies import CopyChange
from migration_runtime.new_items import Source
from migration_runtime.record_migration import decide_copy
from migration_runtime.record_validation import RecordRejected
from record_mappings.onboarding.eligibility import is_eligible
from record_mappings.onboarding.mapping import MAPPING
from record_mappings.onboarding.onboarding_item import build_onboarding_item
from record_mappings.onboarding.validation import validate_record
from tests.fixtures.dynamodb_tables import create_pk_sk_table

NOW = datetime(2026, 12, 1, tzinfo=UTC)
_TABLE_NUMBERS = itertools.count()
APPLICATIONS = ("app-a", "app-b", "app-c")
EVENTS = (
    "create",
    "content",
    "move_date",
    "move_customer",
    "ineligible",
    "eligible",
    "invalid",
    "delete",
)

Copy = tuple[str, str, CopyChange, str]  # kind ("scan" | "stream" | "intake"), version, change, body


def _fresh_record(application_id: str, seed: int) -> dict[str, Any]:
    return valid_record(
        random.Random(seed), application_id=application_id, customer_id=f"cus-{seed % 3}", status="APPROVED"
    )


def _changed(
    record: dict[str, Any] | None, application_id: str, event: str, seed: int
) -> dict[str, Any] | None:
    """The legacy record after ``event`` (None: absent); the same record when the event does not apply."""
    if event == "create":
        return _fresh_record(application_id, seed) if record is None else record
    if record is None:
        return None
    if event == "delete":
        return None
    changed = copying.deepcopy(record)
    if event == "content":
        changed["contact"]["first_name"] = f"Name{seed}"
    elif event == "move_date":
        changed["submitted_at"] = f"2025-0{1 + seed % 9}-1{seed % 10}T10:00:00+00:00"
    elif event == "move_customer":
        changed["customer_id"] = f"cus-moved-{seed % 4}"
    elif event == "ineligible":
        changed["status"] = "DRAFT"
    elif event == "eligible":
        changed["status"] = "PENDING_REVIEW"
        changed["contact"]["email"] = f"valid{seed}@example.com"
    elif event == "invalid":
        changed["contact"]["email"] = "not an email"
    return changed


def _expected_items(legacy: dict[str, dict[str, Any] | None]) -> set[tuple[str, str, str]]:
    """The transformation of the final legacy table: (pk, sk, checksum) of each eligible valid record."""
    expected = set()
    for record in legacy.values():
        if record is None or not is_eligible(record):
            continue
        try:
            record_now = validate_record(record, now=NOW)
            item = build_onboarding_item(record_now, source=Source.MIGRATION, written_at=NOW)
        except RecordRejected:
            continue
        expected.add((item["pk"], item["sk"], item["checksum"]))
    return expected


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    seed = draw(st.integers(0, 10_000))
    legacy: dict[str, dict[str, Any] | None] = {
        app: (_fresh_record(app, seed + index) if draw(st.booleans()) else None)
        for index, app in enumerate(APPLICATIONS)
    }
    copies: list[Copy] = []
    sequence = 100
    events = draw(st.lists(st.tuples(st.sampled_from(APPLICATIONS), st.sampled_from(EVENTS)), max_size=10))
    scan_moments = set(draw(st.lists(st.integers(0, len(events)), min_size=1, max_size=3)))
    for moment in range(len(events) + 1):
        if moment in scan_moments:
            # A scanned copy of every record present at this moment (rank 0).
            copies.extend(
                ("scan", SCAN_COPY_VERSION, CopyChange.UPSERT, json.dumps(record))
                for record in legacy.values()
                if record is not None
            )
        if moment == len(events):
            break
        app, event = events[moment]
        before = legacy[app]
        after = _changed(before, app, event, seed + 7 * moment)
        if after == before:
            continue
        legacy[app] = after
        sequence += draw(st.integers(1, 1000))
        version = stream_copy_version(str(sequence))
        if after is None:
            copies.append(("stream", version, CopyChange.REMOVE, json.dumps(before)))
        else:
            copies.append(("stream", version, CopyChange.UPSERT, json.dumps(after)))
    # The live intake after the cut-over: a later submission of an application, any status accepted.
    for stamp, app in enumerate(draw(st.lists(st.sampled_from(APPLICATIONS), max_size=2, unique=True))):
        record = _fresh_record(app, seed + 1000 + stamp)
        record["status"] = draw(st.sampled_from(["APPROVED", "PENDING_REVIEW"]))
        legacy[app] = record
        version = intake_copy_version(1_800_000_000_000 + stamp, f"message-{stamp}")
        copies.append(("intake", version, CopyChange.UPSERT, json.dumps(record)))
    redelivered = draw(st.lists(st.sampled_from(copies), max_size=4)) if copies else []
    deliveries = draw(st.permutations(copies + redelivered))
    return {"legacy": legacy, "deliveries": deliveries, "schedule_seed": draw(st.integers(0, 2**32 - 1))}


def _writer(dynamodb: Any, table: str, delivery: Copy) -> Generator[Any, None, WriteResult | None]:
    kind, version, change, body = delivery
    raw = json.loads(body)
    if kind == "intake":
        record = validate_record(raw, now=NOW)
        item = build_onboarding_item(record, source=Source.INTAKE, written_at=NOW)
        application_copy = ApplicationCopy(record.application_id, version, Fate.LIVE, item)
    else:
        application_copy = decide_copy(
            raw, version, change, now=NOW, mapping=MAPPING, lookups=NoLookups()
        ).copy
    return (yield from write_steps(dynamodb, table, application_copy))


def _run_interleaved(dynamodb: Any, table: str, deliveries: list[Copy], schedule_seed: int) -> None:
    """At most three copies in flight at once; each step picks one at random to advance."""
    schedule = random.Random(schedule_seed)
    waiting = list(deliveries)
    in_flight: list[Generator[Any, None, Any]] = []
    while waiting or in_flight:
        while waiting and len(in_flight) < 3:
            in_flight.append(_writer(dynamodb, table, waiting.pop(0)))
        writer = schedule.choice(in_flight)
        try:
            next(writer)
        except StopIteration:
            in_flight.remove(writer)


def _table_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [from_attribute_map(item) for page in pages for item in page["Items"]]


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    # One emulator for every example (starting moto per example would take most of the time); each
    # example writes into a table of its own, dropped afterwards, and TransactWriteItems copies only
    # the tables it touches.
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(scenarios())
def test_the_new_table_ends_as_the_transformation_of_the_final_legacy_table(
    dynamodb: Any, scenario: dict[str, Any]
) -> None:
    # GIVEN an empty new table
    table = f"new-table-{next(_TABLE_NUMBERS)}"
    create_pk_sk_table(dynamodb, table)
    try:
        # WHEN every copy is delivered, in a random order, redelivered at random, steps interleaved
        _run_interleaved(dynamodb, table, scenario["deliveries"], scenario["schedule_seed"])

        # THEN the onboarding items are exactly the final legacy table transformed
        items = _table_items(dynamodb, table)
        onboarding = [item for item in items if not is_pointer_item(item)]
        found = {(item["pk"], item["sk"], item["checksum"]) for item in onboarding}
        assert found == _expected_items(scenario["legacy"])
        assert len(onboarding) == len(found)
        # AND each live pointer names its application's one item; no other pointer is live
        pointers = [pointer_from_item(item) for item in items if is_pointer_item(item)]
        live = {
            (p.item_key[0], p.item_key[1], p.checksum) for p in pointers if p.fate is Fate.LIVE and p.item_key
        }
        assert live == found
    finally:
        dynamodb.delete_table(TableName=table)
