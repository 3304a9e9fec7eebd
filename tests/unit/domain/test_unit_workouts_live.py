"""Live traffic of the workouts demo data (`local run --mapping workouts --intake-rate R`)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import islice

from demo_data.workouts_live import LiveChange
from demo_data.workouts_records import DEMO_DATA

SEED = "live-test"


def test_live_traffic_mixes_new_completions_and_one_change_per_existing_completion():
    # GIVEN a data set's completions and its users
    data = DEMO_DATA.data_set(200, seed=SEED)
    existing = {record["completion_id"]: record for record in data.legacy_records}
    users = {user["user_id"] for user in data.lookup_items["users"]}

    # WHEN 400 live messages are taken (more than there are completions to change)
    messages = list(islice(DEMO_DATA.live_messages(data.legacy_records, seed=SEED), 400))
    bodies = [json.loads(message.body) for message in messages]

    # THEN every kind of change occurs, each existing completion is changed at most once, and only
    # COMPLETED ones are changed
    kinds = Counter(message.change for message in messages)
    assert set(kinds) == set(LiveChange)
    changed = [
        body["completion_id"]
        for body, message in zip(bodies, messages, strict=True)
        if message.change is not LiveChange.NEW
    ]
    assert len(changed) == len(set(changed))
    assert all(existing[completion_id]["status"] == "COMPLETED" for completion_id in changed)
    # ... a changed completion differs from its legacy record where its change says
    for body, message in zip(bodies, messages, strict=True):
        before = existing.get(body["completion_id"])
        if message.change is LiveChange.KEY_MOVE:
            assert before is not None and body["completed_at"] != before["completed_at"]
        elif message.change is LiveChange.INELIGIBLE:
            assert before is not None and body["status"] in {"SKIPPED", "DELETED"}
        elif message.change is LiveChange.NEW:
            # new completions have ids of their own and name the data set's own users
            assert before is None and body["user_id"] in users


def test_live_traffic_is_the_same_for_the_same_seed():
    # GIVEN one data set
    data = DEMO_DATA.data_set(50, seed=SEED)

    # WHEN its live traffic is taken twice
    def first() -> list[str]:
        return [
            message.body for message in islice(DEMO_DATA.live_messages(data.legacy_records, seed=SEED), 60)
        ]

    # THEN it is the same
    assert first() == first()
