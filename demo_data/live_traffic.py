"""What every mapping's live demo traffic is made of: a new record, or one change to an existing one.

A live service receives new records and changes to existing ones (an edit, a change that moves the
record's key, a change that makes it ineligible), about half each. Each demo's ``live_messages`` (e.g.
``demo_data/onboarding_live.py``, ``demo_data/workouts_live.py``) decides what each change means for its
records; the sender is the machine's (``migration_cli.live_intake``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class LiveChange(StrEnum):
    NEW = "new"
    EDIT = "edit"
    KEY_MOVE = "key_move"
    INELIGIBLE = "ineligible"


_CHANGE_WEIGHTS = (
    (LiveChange.NEW, 0.5),
    (LiveChange.EDIT, 0.25),
    (LiveChange.KEY_MOVE, 0.15),
    (LiveChange.INELIGIBLE, 0.1),
)


@dataclass(frozen=True)
class LiveMessage:
    body: str
    change: LiveChange


def next_change(rng: random.Random) -> LiveChange:
    """The kind of the next live message, drawn with the weights above."""
    return rng.choices([change for change, _ in _CHANGE_WEIGHTS], weights=[w for _, w in _CHANGE_WEIGHTS])[0]


def mixed_traffic(
    rng: random.Random,
    candidates: list[dict[str, Any]],
    new_bodies: Iterator[str],
    change: Callable[[dict[str, Any], LiveChange, random.Random], None],
) -> Iterator[LiveMessage]:
    """New records and changes, without end: each change applies ``change`` (in place, to a copy) to a
    distinct candidate, in a shuffled order; new bodies once no candidate is left."""
    rng.shuffle(candidates)
    while True:
        kind = next_change(rng)
        if kind is LiveChange.NEW or not candidates:
            yield LiveMessage(next(new_bodies), LiveChange.NEW)
            continue
        record = json.loads(json.dumps(candidates.pop()))
        change(record, kind, rng)
        yield LiveMessage(json.dumps(record), kind)
