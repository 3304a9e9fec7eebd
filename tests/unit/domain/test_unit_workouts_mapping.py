"""The workouts mapping: contract, eligibility, and the routine version valid at completion time.

The lookup tables are an in-memory double (``tests.fixtures.in_memory_lookups``); the mapping's own
validation, version choice and transformation run for real.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from migration_runtime.aws_limits import DYNAMODB_MAX_ITEM_BYTES
from migration_runtime.checksum import checksum
from migration_runtime.dynamodb_storable import item_size
from migration_runtime.new_items import Source, build_item
from migration_runtime.record_mapping import (
    MACHINE_ATTRIBUTES,
    LookupTable,
    RecordMapping,
    RecordRejected,
    load_mapping,
)
from record_mappings.workouts.mapping import MAPPING
from tests.fixtures.in_memory_lookups import InMemoryLookups

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ROUTINE = "routine-leg-day"
USER = "usr-0123456789"


def _version(version: int, valid_from: str, reps: int) -> dict[str, Any]:
    return {
        "routine_id": ROUTINE,
        "valid_from": valid_from,
        "version": version,
        "name": f"Leg Day v{version}",
        "exercises": [
            {"name": "Back Squat", "sets": 5, "reps": reps, "weight_kg": 60.5},
            {"name": "Plank", "sets": 3, "reps": 1},
        ],
    }


VERSIONS = (
    _version(1, "2024-01-01T00:00:00.000000Z", 5),
    _version(2, "2024-06-01T00:00:00.000000Z", 8),
    _version(3, "2025-01-01T00:00:00.000000Z", 10),
)


def _lookups(*, users: list[dict[str, Any]] | None = None) -> InMemoryLookups:
    default_users = [
        {
            "user_id": USER,
            "display_name": "Priya Patel",
            "email": "priya.patel7@example.com",
            "time_zone": "Asia/Kolkata",
            "created_at": "2023-02-01T08:00:00.000000Z",
        }
    ]
    return InMemoryLookups(
        MAPPING.lookup_tables,
        {"users": default_users if users is None else users, "routines": list(VERSIONS)},
    )


def _completion(**changes: Any) -> dict[str, Any]:
    record = {
        "completion_id": "cmp-000000000001",
        "user_id": USER,
        "routine_id": ROUTINE,
        "completed_at": "2024-03-10T07:15:30+05:30",
        "status": "COMPLETED",
        "duration_seconds": 2700,
    }
    record.update(changes)
    return record


def _transformed(record: dict[str, Any], lookups: InMemoryLookups | None = None) -> dict[str, Any]:
    return MAPPING.transform(MAPPING.validate(record, now=NOW), lookups or _lookups())


def test_the_workouts_mapping_is_a_record_mapping_the_machine_can_load():
    # GIVEN / WHEN the mapping is loaded by name, as the machine does
    loaded = load_mapping("workouts")

    # THEN it is this module's MAPPING and it names its record, its personal data and its lookup tables
    assert loaded is MAPPING
    assert isinstance(MAPPING, RecordMapping)
    assert (MAPPING.name, MAPPING.record_id_field, MAPPING.record_kind) == (
        "workouts",
        "completion_id",
        "COMPLETION",
    )
    assert {"completion_id", "user_id", "status"} <= set(MAPPING.loggable_fields)
    assert {("notes",), ("email",), ("display_name",)} <= set(MAPPING.personal_fields)
    assert set(MAPPING.lookup_tables) == {
        LookupTable("users", "user_id"),
        LookupTable("routines", "routine_id", "valid_from"),
    }


def test_item_is_keyed_by_user_then_utc_completion_time_then_completion():
    # GIVEN a completion written with a +05:30 offset, with notes and an unknown field
    record = _completion(notes="Knee a bit sore", device={"platform": "watch"})

    # WHEN transformed
    item = _transformed(record)

    # THEN the user comes first and the UTC time second; the unknown field is carried, no user profile
    assert item["pk"] == f"USER#{USER}"
    assert item["sk"] == "COMPLETION#2024-03-10T01:45:30.000000Z#cmp-000000000001"
    assert item["completed_at"] == "2024-03-10T01:45:30.000000Z"
    assert "user" not in item
    assert "Priya" not in str(item) and "email" not in str(item)
    assert item["notes"] == "Knee a bit sore"
    assert item["extra"] == {"device": {"platform": "watch"}}
    assert not MACHINE_ATTRIBUTES & set(item)
    assert MAPPING.is_item(item)
    assert not MAPPING.is_item({"pk": "CUSTOMER#c", "sk": "ONBOARDING#x"})


@pytest.mark.parametrize(
    ("completed_at", "expected_version"),
    [
        ("2024-01-01T00:00:00+00:00", 1),  # exactly at the first version's valid_from
        ("2024-05-31T23:59:59.999999+00:00", 1),  # a microsecond before version 2
        ("2024-06-01T00:00:00+00:00", 2),  # exactly at version 2's valid_from
        ("2024-05-31T20:00:00-04:00", 2),  # the same moment, written with an offset
        ("2024-06-01T01:00:00+02:00", 1),  # an hour before version 2 in UTC, though "June 1" locally
        ("2024-12-31T23:59:59+00:00", 2),
        ("2025-07-04T12:00:00+00:00", 3),  # the latest version, long after it started
    ],
)
def test_the_routine_copied_in_is_the_version_valid_at_completion_time(completed_at, expected_version):
    # GIVEN a routine with three versions and a completion at a given moment
    record = _completion(completed_at=completed_at)

    # WHEN transformed
    item = _transformed(record)

    # THEN the routine is the version with the greatest valid_from <= completed_at, copied whole
    expected = VERSIONS[expected_version - 1]
    assert item["routine"] == {
        key: expected[key] for key in ("routine_id", "version", "valid_from", "name", "exercises")
    }


def test_a_completion_before_the_routines_first_version_is_rejected_naming_routine_id():
    # GIVEN a completion one microsecond before the first version became valid
    record = _completion(completed_at="2023-12-31T23:59:59.999999+00:00")

    # WHEN / THEN it is rejected: no retry can create a version in the past
    with pytest.raises(RecordRejected) as rejected:
        _transformed(record)
    assert rejected.value.reason == "routine_id: no version of the routine at completed_at"


def test_a_completion_of_an_unknown_routine_or_user_is_rejected_naming_the_field():
    # GIVEN completions referring to a routine and a user the lookup tables do not hold
    unknown_routine = _completion(routine_id="routine-retired-yoga")
    unknown_user = _completion(user_id="usr-ffffffffff")

    # WHEN / THEN each is rejected with a reason naming its field and not quoting the id
    with pytest.raises(RecordRejected) as routine_rejected:
        _transformed(unknown_routine)
    with pytest.raises(RecordRejected) as user_rejected:
        _transformed(unknown_user)
    assert routine_rejected.value.reason.startswith("routine_id: ")
    assert "retired-yoga" not in routine_rejected.value.reason
    assert user_rejected.value.reason.startswith("user_id: ")
    assert "ffffffffff" not in user_rejected.value.reason


def test_a_later_routine_change_does_not_change_an_earlier_completions_item():
    # GIVEN an item transformed while version 3 was the latest
    lookups = _lookups()
    earlier = _completion(completed_at="2025-02-01T10:00:00+00:00")
    before_change = _transformed(earlier, lookups)

    # WHEN the routine gets a fourth version later on, and the completion is transformed again
    lookups.put("routines", _version(4, "2025-03-01T00:00:00.000000Z", 15))
    after_change = _transformed(earlier, lookups)
    later = _transformed(
        _completion(completion_id="cmp-000000000002", completed_at="2025-03-02T00:00:00+00:00"), lookups
    )

    # THEN the earlier completion's item, checksum included, is unchanged; a later one gets version 4
    assert after_change == before_change
    assert checksum(after_change) == checksum(before_change)
    assert before_change["routine"]["version"] == 3
    assert later["routine"]["version"] == 4


@pytest.mark.parametrize(
    ("changes", "field", "secret"),
    [
        ({"completed_at": "2024-05-01T07:30:00"}, "completed_at", "2024-05-01T07:30:00"),
        ({"completed_at": "1700000000"}, "completed_at", "1700000000"),
        ({"duration_seconds": "3600"}, "duration_seconds", "3600"),
        ({"duration_seconds": -61}, "duration_seconds", "-61"),
        ({"notes": 918273645}, "notes", "918273645"),
        ({"status": "COMPLETED", "user_id": ""}, "user_id", None),
        ({"routine_id": 4455667788}, "routine_id", "4455667788"),
        ({"completed_at": "2099-06-01T09:30:00+00:00"}, "completed_at", "2099"),
    ],
)
def test_invalid_completions_are_rejected_with_reasons_that_name_fields_and_never_quote_values(
    changes, field, secret
):
    # GIVEN a completion with one broken field
    record = _completion(**changes)

    # WHEN / THEN validation rejects it, naming the field and not its value
    with pytest.raises(RecordRejected) as rejected:
        MAPPING.validate(record, now=NOW)
    assert rejected.value.reason.startswith(f"{field}: ")
    if secret is not None:
        assert secret not in rejected.value.reason


def test_a_missing_field_and_a_non_object_are_rejected():
    # GIVEN a completion without its user and a body that is not an object
    record = _completion()
    del record["user_id"]

    # WHEN / THEN both are rejected with reasons naming what is wrong
    with pytest.raises(RecordRejected, match=r"^user_id: field required$"):
        MAPPING.validate(record, now=NOW)
    with pytest.raises(RecordRejected, match=r"^record: must be a JSON object$"):
        MAPPING.validate(["not", "an", "object"], now=NOW)


def test_a_changed_user_profile_changes_no_item_so_the_verifier_cannot_see_drift():
    # GIVEN a completion transformed while the user had one profile
    before = _transformed(_completion())

    # WHEN the user's name and time zone change (an item even the old contract would not accept)
    renamed = [{"user_id": USER, "display_name": 24681357, "email": "new@example.com", "time_zone": "UTC"}]
    after = _transformed(_completion(), _lookups(users=renamed))

    # THEN the item is the same: only the user's existence was read
    assert after == before


def test_a_removed_user_rejects_the_completion_naming_the_field():
    # GIVEN no user item for the completion's user
    # WHEN / THEN the completion is rejected, naming user_id
    with pytest.raises(RecordRejected, match=r"^user_id: no such user in the users table$"):
        _transformed(_completion(), _lookups(users=[]))


def test_numbers_read_back_from_dynamodb_transform_like_the_message_body():
    # GIVEN the same completion as a message body (int) and as a DynamoDB item (Decimal)
    from_body = _completion(duration_seconds=2700, avg_heart_rate=131.5)
    from_table = _completion(duration_seconds=Decimal("2700"), avg_heart_rate=Decimal("131.5"))

    # WHEN both are transformed
    body_item, table_item = _transformed(from_body), _transformed(from_table)

    # THEN the items and their checksums agree
    assert body_item == table_item
    assert checksum(body_item) == checksum(table_item)


@pytest.mark.parametrize(
    ("status", "eligible"),
    [
        ("COMPLETED", True),
        ("SKIPPED", False),
        ("DELETED", False),
        ("completed", False),
        (None, False),
        (["COMPLETED"], False),
    ],
)
def test_only_completed_workouts_are_eligible(status, eligible):
    # GIVEN / WHEN / THEN eligibility is the status alone, whatever its type
    assert MAPPING.is_eligible({"status": status}) is eligible


def test_a_completion_too_large_once_transformed_is_rejected_not_retried():
    # GIVEN a completion whose notes fit a legacy item but not the new one, beside the routine copied in
    record = _completion(notes="x" * (DYNAMODB_MAX_ITEM_BYTES - 400))
    assert item_size(record) <= DYNAMODB_MAX_ITEM_BYTES

    # WHEN / THEN building its item (as the machine does with every transformed record) rejects it with
    # the size reason, quoting nothing
    with pytest.raises(RecordRejected) as rejected:
        build_item(_transformed(record), source=Source.MIGRATION, written_at=NOW)
    assert rejected.value.reason == "record: larger than DynamoDB's 400 KB item size limit once transformed"


def test_an_unknown_field_dynamodb_cannot_store_once_nested_is_rejected_by_its_legacy_name():
    # GIVEN an unknown field nested 31 levels deep: storable at the top, one level too deep under "extra"
    nested: Any = "leaf"
    for _ in range(31):
        nested = {"level": nested}
    record = _completion(app_state=nested)
    assert MAPPING.validate(record, now=NOW)  # the legacy record itself is fine

    # WHEN / THEN the transformation rejects it, naming the field as the legacy record spells it
    with pytest.raises(RecordRejected) as rejected:
        _transformed(record)
    assert rejected.value.reason.startswith("app_state")
    assert "nested deeper" in rejected.value.reason
