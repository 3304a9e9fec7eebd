"""Deterministic synthetic data of the workout-tracking app: users, versioned routines and completions.

Same seed, same data, in any process (``random.Random`` seeded with a string is stable). Three legacy
tables, as the app keeps them:
- ``users``: about one user per 16 completions (``count // 16``, at least ``MIN_USERS``), with a display
  name, a (reserved-domain) e-mail and a time zone;
- ``routines``: 20 routines with 3 versions each, one item per version keyed by ``routine_id`` and
  ``valid_from`` (fixed-width UTC text, so it sorts as time); later versions change reps, weights and
  exercises, so a copied definition shows which version it came from;
- ``completions`` (the table the migration scans): spread over the whole two-year span, every routine
  version in turn, a few exactly at a version's ``valid_from``. ~10% are not COMPLETED (ineligible, a third
  of them also broken) and ~3% are COMPLETED but cannot migrate, cycling through broken fields and
  references the lookup tables cannot satisfy (an unknown user or routine, a completion before the
  routine's first version). ~15% carry unknown fields that must survive; ~30% carry free-text notes.

``completed_at`` is written with the user's standard UTC offset (daylight saving is ignored: the text
carries its own offset, which is all the contract needs).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from demo_data.demo_set import DemoDataSet
from demo_data.intake_kinds import MALFORMED_KINDS, IntakeKind
from demo_data.people import FIRST_NAMES, LAST_NAMES, email_address

# (IANA name, standard UTC offset in hours)
TIME_ZONES = (
    ("America/New_York", -5), ("America/Chicago", -6), ("America/Denver", -7), ("America/Los_Angeles", -8),
    ("Europe/London", 0), ("Europe/Berlin", 1), ("Asia/Kolkata", 5.5), ("Asia/Tokyo", 9),
    ("Australia/Sydney", 10), ("UTC", 0),
)  # fmt: skip
ROUTINE_NAMES = (
    "Push Day", "Pull Day", "Leg Day", "Full Body A", "Full Body B", "Upper Body", "Lower Body",
    "Core Blast", "Morning Mobility", "Kettlebell Flow", "Strength 5x5", "Hypertrophy Chest",
    "Back and Biceps", "Shoulders and Arms", "Glute Builder", "Beginner Circuit", "Athletic Power",
    "Bodyweight Basics", "Dumbbell Only", "Deload Week",
)  # fmt: skip
# (exercise, uses a weight)
EXERCISES = (
    ("Back Squat", True), ("Bench Press", True), ("Deadlift", True), ("Overhead Press", True),
    ("Barbell Row", True), ("Pull-up", False), ("Push-up", False), ("Lunge", True), ("Plank", False),
    ("Romanian Deadlift", True), ("Hip Thrust", True), ("Dumbbell Curl", True), ("Triceps Dip", False),
    ("Lat Pulldown", True), ("Kettlebell Swing", True), ("Goblet Squat", True), ("Burpee", False),
    ("Mountain Climber", False), ("Face Pull", True), ("Calf Raise", True),
)  # fmt: skip
NOTES = (
    "Felt strong today", "Knee a bit sore after the lunges", "New personal best!", "Short on time, rushed it",
    "Slept badly, low energy", "Trained with a friend", "Gym was crowded", "Lower back tight, went light",
)  # fmt: skip
ROUTINE_COUNT = 20
VERSIONS_PER_ROUTINE = 3
COMPLETIONS_PER_USER = 16
# Intake messages refer to users 0..MIN_USERS-1, which every data set of the same seed holds.
MIN_USERS = 8
SPAN_START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2025, 12, 31, tzinfo=UTC)
# Days after SPAN_START each version starts (a range per version; each routine draws its own day).
_VERSION_START_DAYS = ((1, 20), (200, 280), (450, 530))
INELIGIBLE_STATUSES = ("SKIPPED", "DELETED")
INELIGIBLE_SHARE = 0.10
INVALID_SHARE = 0.03
EXTRA_FIELDS_SHARE = 0.15
NOTES_SHARE = 0.30
AT_VALID_FROM_SHARE = 0.02


def utc_z(moment: datetime) -> str:
    """The fixed-width UTC text the routines table's sort key and the new table's keys use."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class CompletionKind(StrEnum):
    ELIGIBLE_VALID = "eligible_valid"
    INELIGIBLE = "ineligible"
    ELIGIBLE_INVALID = "eligible_invalid"


@dataclass(frozen=True)
class SyntheticCompletion:
    record: dict[str, Any]
    kind: CompletionKind
    invalid_field: str | None = None
    """The field an invalid completion's rejection reason names."""

    expected_version: int | None = None
    """The routine version valid at ``completed_at`` (for a completion that can migrate)."""


def _user_id(seed: str, number: int) -> str:
    return f"usr-{random.Random(f'{seed}:user:{number}').getrandbits(40):010x}"


def _completion_id(seed: str, stream: str, index: int) -> str:
    return f"cmp-{random.Random(f'{seed}:{stream}:{index}').getrandbits(48):012x}"


def routine_id(number: int) -> str:
    return f"routine-{ROUTINE_NAMES[number].lower().replace(' ', '-')}"


def user_count(count: int) -> int:
    return max(MIN_USERS, round(count / COMPLETIONS_PER_USER))


def user_item(seed: str, number: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:user-profile:{number}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    time_zone, _ = TIME_ZONES[number % len(TIME_ZONES)]
    created = SPAN_START - timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86_399))
    return {
        "user_id": _user_id(seed, number),
        "display_name": f"{first} {last}",
        "email": email_address(rng, first, last),
        "time_zone": time_zone,
        "created_at": utc_z(created),
    }


def _user_offset(number: int) -> timezone:
    return timezone(timedelta(hours=TIME_ZONES[number % len(TIME_ZONES)][1]))


def version_starts(seed: str, number: int) -> tuple[datetime, ...]:
    """When each version of routine ``number`` became valid (midnight UTC, increasing)."""
    rng = random.Random(f"{seed}:routine-dates:{number}")
    return tuple(SPAN_START + timedelta(days=rng.randint(low, high)) for low, high in _VERSION_START_DAYS)


def _exercise(name: str, weighted: bool, rng: random.Random, progress: int) -> dict[str, Any]:
    exercise: dict[str, Any] = {
        "name": name,
        "sets": rng.randint(3, 5),
        "reps": rng.randint(5, 12) + progress,
    }
    if weighted:
        # Half-kilogram plates: floats that must survive DynamoDB's Decimals.
        exercise["weight_kg"] = rng.randint(10, 80) + 2.5 * progress + rng.choice((0, 0.5))
    return exercise


def routine_items(seed: str, number: int) -> list[dict[str, Any]]:
    """The three versions of routine ``number``: each changes reps and weights, the last swaps an exercise."""
    rng = random.Random(f"{seed}:routine:{number}")
    chosen = rng.sample(EXERCISES, 4)
    items = []
    for version, starts in enumerate(version_starts(seed, number), start=1):
        if version == VERSIONS_PER_ROUTINE:
            chosen = [*chosen[:-1], rng.choice([e for e in EXERCISES if e not in chosen])]
        exercise_rng = random.Random(f"{seed}:routine:{number}:exercises")  # same base numbers per version
        exercises = [_exercise(name, weighted, exercise_rng, version - 1) for name, weighted in chosen]
        name = (
            ROUTINE_NAMES[number] if version < VERSIONS_PER_ROUTINE else f"{ROUTINE_NAMES[number]} (revised)"
        )
        items.append(
            {
                "routine_id": routine_id(number),
                "valid_from": utc_z(starts),
                "version": version,
                "name": name,
                "exercises": exercises,
            }
        )
    return items


# A corruption gets the record, its random stream and the start of its routine's versions.
Corruption = Callable[[dict[str, Any], random.Random, tuple[datetime, ...]], None]


def _set(field: str, value: Any) -> Corruption:
    def apply(record: dict[str, Any], rng: random.Random, starts: tuple[datetime, ...]) -> None:
        record[field] = value

    return apply


def _drop(field: str) -> Corruption:
    def apply(record: dict[str, Any], rng: random.Random, starts: tuple[datetime, ...]) -> None:
        del record[field]

    return apply


def _before_first_version(record: dict[str, Any], rng: random.Random, starts: tuple[datetime, ...]) -> None:
    # Up to a day before the routine existed (one second before, now and then): no version applies.
    moment = starts[0] - timedelta(seconds=1 if rng.random() < 0.25 else rng.randint(2, 86_400))
    record["completed_at"] = moment.astimezone(timezone(timedelta(hours=-5))).isoformat()


# (the field the rejection names, the corruption); eligible-invalid completions cycle through them.
CORRUPTIONS: tuple[tuple[str, Corruption], ...] = (
    ("routine_id", _before_first_version),
    ("user_id", _set("user_id", "usr-0000000000")),  # no such user
    ("duration_seconds", _set("duration_seconds", -60)),
    ("routine_id", _set("routine_id", "routine-retired-yoga")),  # no such routine
    ("completed_at", _set("completed_at", "2024-05-01T07:30:00")),  # no offset
    ("duration_seconds", _set("duration_seconds", "3600")),
    ("routine_id", _before_first_version),
    ("completed_at", _set("completed_at", "2099-06-01T09:30:00+00:00")),
    ("notes", _set("notes", 42)),
    ("user_id", _drop("user_id")),
    ("completed_at", _set("completed_at", "1700000000")),  # epoch text, not ISO 8601
)


def _completed_at(rng: random.Random, starts: tuple[datetime, ...], version: int) -> datetime:
    """A moment while ``version`` was valid: from its start to the next version's (or the span's end)."""
    begin = starts[version - 1]
    end = starts[version] if version < len(starts) else SPAN_END
    if rng.random() < AT_VALID_FROM_SHARE:
        return begin  # exactly at valid_from: this version, not the one before
    return begin + timedelta(seconds=rng.randrange(int((end - begin).total_seconds())))


def _add_extra_fields(rng: random.Random, record: dict[str, Any]) -> None:
    record["device"] = {"platform": rng.choice(("ios", "android", "watch")), "app_version": "5.2.1"}
    record["avg_heart_rate"] = round(rng.uniform(95, 165), 1)  # a float: must survive DynamoDB's Decimals
    record["calories"] = rng.randint(80, 900)


def synthetic_completion(
    index: int, *, seed: str, users: int, stream: str = "completion"
) -> SyntheticCompletion:
    """Completion number ``index`` of the set (seed, stream): generated independently of the others.

    Routine ``index % 20`` and version ``(index // 20) % 3`` in turn, so every version is used by any
    set of a few hundred completions.
    """
    rng = random.Random(f"{seed}:{stream}-record:{index}")
    routine_number = index % ROUTINE_COUNT
    version = (index // ROUTINE_COUNT) % VERSIONS_PER_ROUTINE + 1
    starts = version_starts(seed, routine_number)
    user_number = rng.randrange(users)
    draw = rng.random()
    if draw < INELIGIBLE_SHARE:
        kind, status = CompletionKind.INELIGIBLE, rng.choice(INELIGIBLE_STATUSES)
    elif draw < INELIGIBLE_SHARE + INVALID_SHARE:
        kind, status = CompletionKind.ELIGIBLE_INVALID, "COMPLETED"
    else:
        kind, status = CompletionKind.ELIGIBLE_VALID, "COMPLETED"
    completed = _completed_at(rng, starts, version)
    record: dict[str, Any] = {
        "completion_id": _completion_id(seed, stream, index),
        "user_id": _user_id(seed, user_number),
        "routine_id": routine_id(routine_number),
        "completed_at": completed.astimezone(_user_offset(user_number)).isoformat(),
        "status": status,
        "duration_seconds": rng.randint(600, 5_400),
    }
    if rng.random() < NOTES_SHARE:
        record["notes"] = rng.choice(NOTES)
    if rng.random() < EXTRA_FIELDS_SHARE:
        _add_extra_fields(rng, record)
    invalid_field = None
    if kind is CompletionKind.ELIGIBLE_INVALID or (
        kind is CompletionKind.INELIGIBLE and rng.random() < 1 / 3
    ):
        invalid_field, corrupt = CORRUPTIONS[index % len(CORRUPTIONS)]
        corrupt(record, rng, starts)
    expected_version = version if kind is CompletionKind.ELIGIBLE_VALID else None
    return SyntheticCompletion(record, kind, invalid_field, expected_version)


def synthetic_completions(count: int, *, seed: str) -> list[SyntheticCompletion]:
    users = user_count(count)
    return [synthetic_completion(index, seed=seed, users=users) for index in range(count)]


def lookup_items(count: int, *, seed: str) -> dict[str, list[dict[str, Any]]]:
    """The ``users`` and ``routines`` tables' items for a data set of ``count`` completions."""
    return {
        "users": [user_item(seed, number) for number in range(user_count(count))],
        "routines": [item for number in range(ROUTINE_COUNT) for item in routine_items(seed, number)],
    }


@dataclass(frozen=True)
class SyntheticIntakeMessage:
    body: str
    kind: IntakeKind
    completion: SyntheticCompletion | None = None


def synthetic_intake_messages(
    count: int, *, seed: str, malformed: float = 0.05
) -> list[SyntheticIntakeMessage]:
    """New completions arriving while a migration runs (ids distinct from the data set's, users and
    routines the data set of the same seed holds), a few malformed bodies among them."""
    messages: list[SyntheticIntakeMessage] = []
    malformed_seen = 0
    for index in range(count):
        rng = random.Random(f"{seed}:intake-body:{index}")
        if rng.random() < malformed:
            kind = MALFORMED_KINDS[malformed_seen % len(MALFORMED_KINDS)]
            malformed_seen += 1
            messages.append(SyntheticIntakeMessage(body=_malformed_body(seed, rng, kind), kind=kind))
            continue
        completion = synthetic_completion(index, seed=seed, users=MIN_USERS, stream="intake")
        messages.append(SyntheticIntakeMessage(json.dumps(completion.record), IntakeKind.RECORD, completion))
    return messages


def _malformed_body(seed: str, rng: random.Random, kind: IntakeKind) -> str:
    note = rng.choice(NOTES)
    if kind is IntakeKind.NOT_JSON:
        # Truncated JSON with free text in it: the rejection must not quote it.
        return f'{{"completion_id": "cmp-trunc", "notes": "{note}", "status": "COMPL'
    if kind is IntakeKind.JSON_ARRAY:
        return json.dumps([{"notes": note, "status": "COMPLETED"}])
    return json.dumps({"notes": note, "status": "COMPLETED", "user_id": _user_id(seed, 0)})


@dataclass(frozen=True)
class WorkoutsDemoData:
    """The workouts mapping's demo data (``demo_data.demo_set.DemoData``): completions, users, routines."""

    mapping_name: str = "workouts"

    def data_set(self, count: int, *, seed: str) -> DemoDataSet:
        return DemoDataSet(
            legacy_records=[completion.record for completion in synthetic_completions(count, seed=seed)],
            lookup_items=lookup_items(count, seed=seed),
        )

    def intake_bodies(self, count: int, *, seed: str) -> list[str]:
        return [message.body for message in synthetic_intake_messages(count, seed=seed)]

    def live_messages(self, existing: Sequence[dict[str, Any]], *, seed: str) -> Iterator[Any]:
        """Live traffic for `--intake-rate`: new completions and changes to ``existing`` ones."""
        from demo_data.workouts_live import live_messages  # that module builds on this one

        return live_messages(existing, seed=seed)


DEMO_DATA = WorkoutsDemoData()
