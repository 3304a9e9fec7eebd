"""The workouts demo data: the shape the issue asks for, every routine version used, deterministic per seed.

Run through the real workouts mapping (lookups from an in-memory double of the users and routines
tables), so "every version is referenced" means what the migration will copy, not what the generator meant.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from demo_data.demo_set import DemoData, DemoDataSet, load_demo_data
from demo_data.workouts_records import (
    DEMO_DATA,
    SPAN_END,
    SPAN_START,
    CompletionKind,
    synthetic_completions,
    synthetic_intake_messages,
)
from migration_runtime.record_mapping import RecordRejected
from record_mappings.workouts.mapping import MAPPING
from tests.fixtures.in_memory_lookups import InMemoryLookups

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEED = "unit-workouts"
COUNT = 5_000


@pytest.fixture(scope="module")
def data_set() -> DemoDataSet:
    return DEMO_DATA.data_set(COUNT, seed=SEED)


@pytest.fixture(scope="module")
def outcomes(data_set: DemoDataSet) -> list[tuple[dict[str, Any], str, dict[str, Any] | str | None]]:
    """(record, outcome, item or reason) per completion, through the real mapping."""
    lookups = InMemoryLookups(MAPPING.lookup_tables, data_set.lookup_items)
    results: list[tuple[dict[str, Any], str, dict[str, Any] | str | None]] = []
    for record in data_set.legacy_records:
        if not MAPPING.is_eligible(record):
            results.append((record, "ineligible", None))
            continue
        try:
            results.append(
                (record, "migrated", MAPPING.transform(MAPPING.validate(record, now=NOW), lookups))
            )
        except RecordRejected as rejected:
            results.append((record, "rejected", rejected.reason))
    return results


def test_demo_data_is_loadable_by_mapping_name():
    # GIVEN / WHEN the demo data is loaded the way local run does
    loaded = load_demo_data("workouts")

    # THEN it is this module's DEMO_DATA, for the workouts mapping
    assert loaded is DEMO_DATA
    assert isinstance(DEMO_DATA, DemoData)
    assert DEMO_DATA.mapping_name == MAPPING.name


def test_the_data_set_has_the_issues_shape(data_set):
    # GIVEN the data set of 5,000 completions (fixture)
    records, users, routines = (
        data_set.legacy_records,
        data_set.lookup_items["users"],
        data_set.lookup_items["routines"],
    )

    # THEN 5,000 distinct completions over at least 300 users and 20 routines of 3 versions each
    assert len(records) == COUNT
    assert len({record["completion_id"] for record in records}) == COUNT
    assert len(users) >= 300
    assert len({user["user_id"] for user in users}) == len(users)
    versions_per_routine = Counter(item["routine_id"] for item in routines)
    assert len(versions_per_routine) == 20
    assert set(versions_per_routine.values()) == {3}
    for routine_id in versions_per_routine:
        versions = sorted(
            (item for item in routines if item["routine_id"] == routine_id), key=lambda i: i["version"]
        )
        starts = [item["valid_from"] for item in versions]
        assert [item["version"] for item in versions] == [1, 2, 3]
        assert starts == sorted(starts) and len(set(starts)) == 3  # valid from different, increasing dates
        assert len({json.dumps(item["exercises"], sort_keys=True) for item in versions}) == 3  # each differs


def test_about_ten_percent_are_ineligible_and_three_percent_cannot_migrate(outcomes):
    # GIVEN every completion through the mapping (fixture)
    counts = Counter(outcome for _, outcome, _ in outcomes)

    # THEN the mix is about 10% ineligible and 3% rejected, the rest migrates
    assert 0.08 * COUNT <= counts["ineligible"] <= 0.12 * COUNT
    assert 0.02 * COUNT <= counts["rejected"] <= 0.04 * COUNT
    assert counts["migrated"] == COUNT - counts["ineligible"] - counts["rejected"]


def test_some_completions_refer_to_a_routine_before_its_first_version(outcomes):
    # GIVEN the rejections' reasons (fixture)
    reasons = Counter(reason for _, outcome, reason in outcomes if outcome == "rejected")

    # THEN a few are rejected because the routine had no version yet, and others for their fields
    assert reasons["routine_id: no version of the routine at completed_at"] >= 10
    assert {str(reason).split(":")[0] for reason in reasons} >= {
        "routine_id",
        "user_id",
        "completed_at",
        "duration_seconds",
    }


def test_every_routine_version_is_copied_into_some_item_and_always_the_one_valid_at_completion(
    data_set, outcomes
):
    # GIVEN the migrated items (fixture) and the routines table
    versions = data_set.lookup_items["routines"]
    items = [item for _, outcome, item in outcomes if outcome == "migrated"]

    # THEN all 60 versions are used, and each item's version is the latest one started by completed_at
    used = Counter((item["routine"]["routine_id"], item["routine"]["version"]) for item in items)
    assert set(used) == {(version["routine_id"], version["version"]) for version in versions}
    for item in items:
        started = [
            v
            for v in versions
            if v["routine_id"] == item["routine_id"] and v["valid_from"] <= item["completed_at"]
        ]
        assert item["routine"]["version"] == max(v["version"] for v in started)
    # a few completions happen exactly when a version starts (the boundary)
    assert any(item["completed_at"] == item["routine"]["valid_from"] for item in items)


def test_completions_are_spread_over_the_whole_time_span(outcomes):
    # GIVEN the migrated completions' times, in UTC
    times = sorted(
        datetime.fromisoformat(item["completed_at"]) for _, outcome, item in outcomes if outcome == "migrated"
    )

    # THEN they run from the first weeks of the span to its last weeks, and every quarter has some
    assert (times[0] - SPAN_START).days < 30
    assert (SPAN_END - times[-1]).days < 30
    quarters = Counter((moment.year, (moment.month - 1) // 3) for moment in times)
    assert len(quarters) == 8


def test_the_data_set_is_deterministic_per_seed():
    # GIVEN / WHEN the same seed twice and another seed
    first, again, other = (DEMO_DATA.data_set(300, seed=seed) for seed in ("a", "a", "b"))

    # THEN the same seed gives the same data, another seed other data
    assert first == again
    assert first.legacy_records != other.legacy_records
    assert first.lookup_items["users"] != other.lookup_items["users"]


def test_the_generator_knows_which_completions_cannot_migrate_and_why(outcomes):
    # GIVEN the generator's own account of each completion, and what the mapping did with it
    expected = synthetic_completions(COUNT, seed=SEED)

    # THEN they agree: valid ones migrate with the expected version, invalid ones are rejected naming a field
    for synthetic, (record, outcome, result) in zip(expected, outcomes, strict=True):
        assert synthetic.record == record
        if synthetic.kind is CompletionKind.ELIGIBLE_VALID:
            assert outcome == "migrated"
            assert result["routine"]["version"] == synthetic.expected_version
        elif synthetic.kind is CompletionKind.ELIGIBLE_INVALID:
            assert outcome == "rejected"
            assert str(result).startswith(f"{synthetic.invalid_field}: ")
        else:
            assert outcome == "ineligible"


def test_intake_bodies_are_mostly_new_valid_completions_of_known_users_and_a_few_malformed_ones():
    # GIVEN a small data set and intake bodies of the same seed
    small = DEMO_DATA.data_set(50, seed=SEED)
    lookups = InMemoryLookups(MAPPING.lookup_tables, small.lookup_items)
    bodies = DEMO_DATA.intake_bodies(400, seed=SEED)

    # WHEN each body is parsed and run through the mapping
    outcomes = Counter()
    for body in bodies:
        try:
            raw = json.loads(body)
        except json.JSONDecodeError:
            outcomes["not_json"] += 1
            continue
        if not isinstance(raw, dict) or not MAPPING.is_eligible(raw):
            outcomes["not_migrating"] += 1
            continue
        try:
            MAPPING.transform(MAPPING.validate(raw, now=NOW), lookups)
            outcomes["migrated"] += 1
        except RecordRejected:
            outcomes["rejected"] += 1

    # THEN most migrate against even a small data set's users, a few are malformed; deterministic, new ids
    assert len(bodies) == 400
    assert outcomes["migrated"] >= 0.8 * len(bodies)
    assert outcomes["not_json"] >= 1
    assert bodies == DEMO_DATA.intake_bodies(400, seed=SEED)
    intake_ids = {
        m.completion.record["completion_id"]
        for m in synthetic_intake_messages(400, seed=SEED)
        if m.completion
    }
    assert not intake_ids & {record["completion_id"] for record in small.legacy_records}
