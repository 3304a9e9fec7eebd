"""From a report, a history and the items' write times to a RunPicture (no AWS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from migration_cli.run_picture.from_report import picture_from_report
from migration_cli.run_picture.history_facts import history_facts
from migration_cli.run_picture.model import ListedIssue
from migration_cli.run_picture.series import nice_step, per_interval, reason_groups

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return json.loads((ROOT / "statemachines" / "migration.asl.json").read_text())


def _events(
    entered: list[tuple[str, float]], end: float, kind: str = "ExecutionSucceeded"
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"id": 1, "type": "ExecutionStarted", "timestamp": START}]
    for name, at in entered:
        moment = START + timedelta(seconds=at)
        events.append(
            {
                "id": len(events) + 1,
                "type": "TaskStateEntered",
                "timestamp": moment,
                "stateEnteredEventDetails": {"name": name},
            }
        )
        events.append(
            {
                "id": len(events) + 1,
                "type": "TaskStateExited",
                "timestamp": moment + timedelta(seconds=0.5),
                "stateExitedEventDetails": {"name": name},
            }
        )
    events.append({"id": len(events) + 1, "type": kind, "timestamp": START + timedelta(seconds=end)})
    return events


CUT_OVER_RUN = [
    ("SetupDefaults", 0.0),
    ("PauseDisableLegacyMapping", 2.0),
    ("BackupIsRequested", 5.0),
    ("MigrateRecordPhase", 5.0),
    ("SettleRecordPhase", 20.0),
    ("ValidateMigration", 40.0),
    ("ValidateIsClean", 44.0),
    ("CutOverCommit", 44.0),
    ("CutOverEnableNewMapping", 45.0),
    ("DrainRecordPhase", 46.0),
    ("ResumeReport", 55.0),
]


def _report(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "execution_arn": "arn:aws:states:us-east-1:1:execution:m:run-7",
        "execution_name": "run-7",
        "status": "SUCCEEDED",
        "dry_run": False,
        "error": None,
        "cause": None,
        "cut_over": True,
        "counts": {
            "legacy": 10,
            "migrated": 6,
            "superseded_by_intake": 0,
            "ineligible": 2,
            "rejected": 1,
            "dead_lettered": 1,
            "intake_delivered": 4,
            "intake_rejected": 1,
            "intake_pending": 0,
        },
        "validation": {"clean": False, "runs": 1, "missing": 1},
        "gate_decisions": ["accept"],
        "redrives": 0,
        "backup_arn": None,
        "rejected": [{"application_id": "A-1", "reason": "contact.email: not an e-mail address"}],
        "dead_lettered": [{"application_id": "A-2", "reason": "TargetWriteFailed: injected"}],
        "intake_rejected": [{"application_id": None, "reason": "body: not valid JSON"}],
        "duration_seconds": 60.0,
    }
    report.update(changes)
    return report


def test_history_gives_spans_from_phase_to_phase_and_the_intake_pause(definition: dict[str, Any]) -> None:
    # GIVEN a history that paused at 2 s and enabled the new consumer at 45 s (exited at 45.5 s)
    events = _events(CUT_OVER_RUN, end=60.0)

    # WHEN a picture is built from it
    picture = picture_from_report(_report(), events, definition, migrated_written_at=[])

    # THEN each phase lasts until the next one starts (Choices left out), the last one until the end
    spans = [(span.phase, span.start_seconds, span.end_seconds) for span in picture.phase_spans]
    assert spans == [
        ("Setup", 0.0, 2.0),
        ("Pause", 2.0, 5.0),
        ("Migrate", 5.0, 20.0),
        ("Settle", 20.0, 40.0),
        ("Validate", 40.0, 44.0),
        ("CutOver", 44.0, 46.0),
        ("Drain", 46.0, 55.0),
        ("Resume", 55.0, 60.0),
    ]
    assert picture.intake_paused == (2.0, 45.5)
    assert picture.path[:3] == ("Setup", "Pause", "Migrate")
    assert picture.started_at == START


def test_paused_and_never_served_again_by_the_execution_lasts_until_its_end(
    definition: dict[str, Any],
) -> None:
    # GIVEN an execution aborted during Settle (the watchdog restores serving after the end)
    events = _events(CUT_OVER_RUN[:5], end=30.0, kind="ExecutionAborted")

    # WHEN its facts are read
    facts = history_facts(events)

    # THEN the pause runs until the execution's end
    assert facts.intake_paused == (2.0, 30.0)
    assert facts.end_seconds == 30.0


def test_report_counts_and_lists_become_fates_and_issues(definition: dict[str, Any]) -> None:
    # GIVEN a report with every kind of fate and one entry in each list
    report = _report()

    # WHEN a picture is built
    picture = picture_from_report(report, _events(CUT_OVER_RUN, 60.0), definition)

    # THEN zero counts are left out and the lists keep their kinds, ids and reasons
    assert [(fate.label, fate.count) for fate in picture.legacy_fates] == [
        ("migrated", 6),
        ("ineligible", 2),
        ("rejected", 1),
        ("dead-lettered", 1),
    ]
    assert [(fate.label, fate.count) for fate in picture.intake_fates] == [
        ("delivered", 4),
        ("intake rejected", 1),
    ]
    assert picture.issues == (
        ListedIssue("rejected", "A-1", "contact.email: not an e-mail address"),
        ListedIssue("dead-lettered", "A-2", "TargetWriteFailed: injected"),
        ListedIssue("intake rejected", None, "body: not valid JSON"),
    )
    assert picture.gate_decisions == ("accept",)
    assert picture.title == "run-7"


def test_a_dry_run_shows_what_would_move(definition: dict[str, Any]) -> None:
    # GIVEN a dry run's report
    report = _report(
        dry_run=True, counts={"legacy": 10, "would_migrate": 7, "ineligible": 2, "would_reject": 1}
    )

    # WHEN a picture is built
    picture = picture_from_report(
        report, _events([("SetupDefaults", 0.0), ("DryRunSummary", 3.0)], 4.0), definition
    )

    # THEN its fates are the would-be ones, and its path is the dry run's
    assert [(fate.label, fate.count) for fate in picture.legacy_fates] == [
        ("would migrate", 7),
        ("ineligible", 2),
        ("would be rejected", 1),
    ]
    assert picture.path == ("Setup", "DryRun")


def test_migrated_items_are_counted_per_interval_from_the_start(definition: dict[str, Any]) -> None:
    # GIVEN items written at 10.5 s, 11 s and 30 s after the start (as the functions write written_at)
    written = [
        (START + timedelta(seconds=at)).isoformat().replace("+00:00", "Z") for at in (10.5, 11.0, 30.0)
    ]

    # WHEN a picture is built
    picture = picture_from_report(
        _report(), _events(CUT_OVER_RUN, 60.0), definition, migrated_written_at=written
    )

    # THEN every item is in one bucket, at its time
    assert sum(bucket.count for bucket in picture.throughput) == 3
    by_start = {bucket.start_seconds: bucket.count for bucket in picture.throughput if bucket.count}
    width = picture.throughput[0].width_seconds
    assert by_start == {10.0 // width * width: 2, 30.0 // width * width: 1}


def test_series_helpers() -> None:
    # GIVEN moments, a span and reasons
    buckets = per_interval([0.0, 0.4, 99.9, 130.0], 100.0, intervals=10)
    groups = reason_groups(
        [
            ListedIssue("rejected", "1", "b"),
            ListedIssue("rejected", "2", "a"),
            ListedIssue("rejected", "3", "b"),
        ]
    )

    # THEN a moment past the span widens it, steps are round, and reasons come most frequent first
    assert sum(bucket.count for bucket in buckets) == 4
    assert buckets[-1].start_seconds <= 130.0 < buckets[-1].start_seconds + buckets[-1].width_seconds
    assert [nice_step(100, 10), nice_step(37, 4), nice_step(0.3, 3)] == [10, 10, 0.1]
    assert [(group.reason, group.count) for group in groups] == [("b", 2), ("a", 1)]
