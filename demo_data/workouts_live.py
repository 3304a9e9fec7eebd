"""Live traffic for the workouts demo (`local run --mapping workouts --intake-rate R`), without end.

What a workout app receives while it is migrated: new completions, and changes to existing ones - a note
or duration edited, a completion time corrected (which moves the record's key, and may change the routine
version valid at that time), a completion deleted or skipped (it becomes ineligible). Each completion gets
at most one message per run, so what it must end as is decided by that one message whichever backend
consumed it. New completions name the data set's own users and routines (the same seed).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from demo_data.live_traffic import LiveChange, LiveMessage, mixed_traffic
from demo_data.workouts_records import INELIGIBLE_STATUSES, MIN_USERS, synthetic_completion


def live_messages(existing: Sequence[dict[str, Any]], *, seed: str) -> Iterator[LiveMessage]:
    """Messages without end (the sender decides how many); changes touch distinct existing completed
    completions, new completions once none is left."""
    candidates = [
        record
        for record in existing
        if record.get("status") == "COMPLETED" and isinstance(record.get("completed_at"), str)
    ]
    return mixed_traffic(random.Random(f"{seed}:live"), candidates, _new_bodies(seed), _change)


def _new_bodies(seed: str) -> Iterator[str]:
    for index in itertools.count():
        yield json.dumps(synthetic_completion(index, seed=seed, users=MIN_USERS, stream="live").record)


def _change(record: dict[str, Any], change: LiveChange, rng: random.Random) -> None:
    if change is LiveChange.EDIT:
        record["duration_seconds"] = rng.randint(600, 5_400)
        record["notes"] = "edited after the workout"
    elif change is LiveChange.KEY_MOVE:
        record["completed_at"] = _corrected(record["completed_at"], rng)
    else:
        record["status"] = rng.choice(INELIGIBLE_STATUSES)


def _corrected(completed_at: str, rng: random.Random) -> str:
    try:
        moment = datetime.fromisoformat(completed_at)
    except ValueError:
        return completed_at
    return (moment + timedelta(hours=rng.randint(-72, 72), minutes=rng.randint(1, 59))).isoformat()
