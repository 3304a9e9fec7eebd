"""Live intake for `local run --intake-rate`: what it sends (one message per application) and how fast."""

from __future__ import annotations

import itertools
import json
from collections import Counter

from demo_data.onboarding_live import LiveChange, live_messages
from demo_data.onboarding_records import legacy_records
from migration_runtime.record_ids import record_id_of
from record_mappings.onboarding.eligibility import is_eligible


def test_changes_touch_distinct_existing_records_and_new_applications_are_new() -> None:
    # GIVEN loaded records
    existing = legacy_records(200, seed="live-test")
    by_id = {record["application_id"]: record for record in existing}

    # WHEN 300 live messages are drawn (more changes than eligible records can take)
    messages = list(itertools.islice(live_messages(existing, seed="live-test"), 300))

    # THEN every application gets at most one message, every kind of change occurs, and each change differs
    # from the loaded record the way its kind says
    counted = Counter(i for i in (record_id_of(m.body, "application_id") for m in messages) if i is not None)
    assert max(counted.values()) == 1
    assert {m.change for m in messages} == set(LiveChange)
    for message in messages:
        if message.change is LiveChange.NEW:
            continue
        record = json.loads(message.body)
        before = by_id[record["application_id"]]
        assert is_eligible(before)
        if message.change is LiveChange.KEY_MOVE:
            assert record["submitted_at"] != before["submitted_at"]
        elif message.change is LiveChange.INELIGIBLE:
            assert not is_eligible(record)
        else:
            assert record != before and record["submitted_at"] == before["submitted_at"]


def test_the_same_seed_sends_the_same_messages() -> None:
    existing = legacy_records(50, seed="again")
    first = [m.body for m in itertools.islice(live_messages(existing, seed="s"), 80)]
    second = [m.body for m in itertools.islice(live_messages(existing, seed="s"), 80)]
    assert first == second
