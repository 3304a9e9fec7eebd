"""What one write of a copy costs, in requests, by case (the figures the README's table states)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from migration_runtime.application_writes import ApplicationCopy, Fate, WriteOutcome, write_copy
from migration_runtime.copy_versions import stream_copy_version
from tests.fixtures.dynamodb_tables import mocked_pk_sk_table

TABLE = "new-table"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mocked_pk_sk_table(TABLE) as client:
        yield client


def _live(version: str, customer: str = "cus-1", checksum: str = "c1") -> ApplicationCopy:
    item = {
        "pk": f"CUSTOMER#{customer}",
        "sk": "ONBOARDING#2025-01-01T00:00:00.000000Z#app-1",
        "application_id": "app-1",
        "checksum": checksum,
    }
    return ApplicationCopy("app-1", version, Fate.LIVE, item)


def test_a_first_copy_is_one_transaction_and_no_read(dynamodb: Any) -> None:
    # GIVEN no pointer / WHEN the first copy is written
    result = write_copy(dynamodb, TABLE, _live("0"))

    # THEN one transaction did it
    assert (result.outcome, result.transactions, result.reads) == (WriteOutcome.CREATED, 1, 0)


@pytest.mark.parametrize(
    ("second", "outcome", "transactions"),
    [
        (_live("0"), WriteOutcome.DUPLICATE, 1),
        (_live(stream_copy_version("5"), checksum="c2"), WriteOutcome.UPDATED, 2),
        (_live(stream_copy_version("5"), customer="cus-2"), WriteOutcome.MOVED, 2),
        (ApplicationCopy("app-1", stream_copy_version("5"), Fate.REMOVED), WriteOutcome.RETIRED, 2),
    ],
)
def test_a_later_copy_learns_the_pointer_from_the_cancelled_transaction(
    dynamodb: Any, second: ApplicationCopy, outcome: WriteOutcome, transactions: int
) -> None:
    # GIVEN an application written once
    write_copy(dynamodb, TABLE, _live("0"))

    # WHEN another copy arrives
    result = write_copy(dynamodb, TABLE, second)

    # THEN the cancelled first attempt returned the pointer (no read), and one more transaction wrote
    assert (result.outcome, result.transactions, result.reads) == (outcome, transactions, 0)
    items = dynamodb.scan(TableName=TABLE)["Items"]
    onboarding = [item for item in items if item["pk"]["S"].startswith("CUSTOMER#")]
    assert len(onboarding) == (0 if outcome is WriteOutcome.RETIRED else 1)


def test_a_stale_copy_writes_nothing(dynamodb: Any) -> None:
    # GIVEN a stream copy applied
    write_copy(dynamodb, TABLE, _live(stream_copy_version("9"), customer="cus-9"))

    # WHEN an older stream copy arrives
    result = write_copy(dynamodb, TABLE, _live(stream_copy_version("5")))

    # THEN it is stale after one cancelled transaction, and the newer item stays
    assert (result.outcome, result.transactions) == (WriteOutcome.STALE, 1)
    items = dynamodb.scan(TableName=TABLE)["Items"]
    assert [item["pk"]["S"] for item in items if item["pk"]["S"].startswith("CUSTOMER#")] == [
        "CUSTOMER#cus-9"
    ]


def test_a_scanned_copy_that_is_not_live_costs_nothing_without_a_pointer(dynamodb: Any) -> None:
    # GIVEN no pointer / WHEN a scanned ineligible copy arrives
    result = write_copy(dynamodb, TABLE, ApplicationCopy("app-1", "0", Fate.INELIGIBLE))

    # THEN no request was made at all, and the table is still empty
    assert (result.outcome, result.transactions, result.reads) == (WriteOutcome.SKIPPED, 0, 0)
    assert dynamodb.scan(TableName=TABLE)["Items"] == []
