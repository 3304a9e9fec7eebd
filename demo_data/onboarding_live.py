"""Live traffic for the onboarding demo (`local run --intake-rate R`): an endless stream of intake messages.

What a live service receives while it is migrated: new applications, and changes to existing ones -
content edits, a resubmission that moves the record's key (new ``submitted_at``), a status change that
makes it ineligible (or eligible again). Each application gets at most one message per run, so what it
must end as is decided by that one message whichever backend consumed it (the intake queue does not keep
order, and the legacy backend keeps whatever it consumed last). The sender is the machine's
(``migration_cli.live_intake``); it reaches this through ``OnboardingDemoData.live_messages``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from demo_data.live_traffic import LiveChange, LiveMessage, mixed_traffic
from demo_data.onboarding_records import INELIGIBLE_STATUSES, synthetic_intake_messages
from record_mappings.onboarding.eligibility import is_eligible


def live_messages(existing: Sequence[dict[str, Any]], *, seed: str) -> Iterator[LiveMessage]:
    """Messages without end (the sender decides how many); changes touch distinct existing eligible
    records, new applications once none is left."""
    candidates = [
        record for record in existing if is_eligible(record) and isinstance(record.get("submitted_at"), str)
    ]
    return mixed_traffic(random.Random(f"{seed}:live"), candidates, _new_bodies(seed), _change)


def _new_bodies(seed: str) -> Iterator[str]:
    # Generated a thousand at a time, each thousand with ids of its own.
    for batch in itertools.count():
        for message in synthetic_intake_messages(1000, seed=f"{seed}:live:{batch}", malformed=0.02):
            yield message.body


def _change(record: dict[str, Any], change: LiveChange, rng: random.Random) -> None:
    if change is LiveChange.EDIT:
        record["steps_completed"] = [*record.get("steps_completed", []), "document_upload"][-6:]
        record.setdefault("contact", {})["phone"] = f"+1415555{rng.randint(1000, 9999)}"
    elif change is LiveChange.KEY_MOVE:
        record["submitted_at"] = _later(record["submitted_at"], rng)
    else:
        record["status"] = rng.choice(INELIGIBLE_STATUSES)


def _later(submitted_at: str, rng: random.Random) -> str:
    try:
        moment = datetime.fromisoformat(submitted_at)
    except ValueError:
        return submitted_at
    return (moment + timedelta(days=rng.randint(1, 30), seconds=rng.randint(1, 3600))).isoformat()
