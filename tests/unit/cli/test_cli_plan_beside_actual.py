"""The report's `estimate`: `plan`'s model recomputed with the run's own counts, input and tap."""

from __future__ import annotations

from migration_cli.migration_plan import RunSettings, Tap, counts_from_report, estimate
from migration_cli.plan_beside_actual import plan_beside_actual
from migration_cli.report_model import MigrationReport, RecordCounts
from migration_cli.report_text import format_report

TAP = Tap(batch_size=10, max_concurrency=10)


def finished_report(**changes) -> MigrationReport:
    counts = RecordCounts(
        legacy=1000, migrated=700, ineligible=200, rejected=90, dead_lettered=10, intake_received=40
    )
    return MigrationReport(
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:run-1",
        status="SUCCEEDED",
        counts=counts,
        state_transitions=321,
        duration_seconds=98.6,
        intake_paused_seconds=90.2,
        **changes,
    )


def test_the_estimate_is_plans_model_for_the_runs_counts_and_input():
    # GIVEN a finished run started with 8 segments and a 5 s poll interval
    report = finished_report()
    execution_input = {"segments": 8, "poll_interval_seconds": 5}

    # WHEN estimating beside it
    comparison = plan_beside_actual(report, execution_input, TAP, migrate_memory_mb=256, worker_limit=2)

    # THEN it is exactly what `plan`'s estimate gives for those counts and settings
    expected = estimate(
        counts_from_report(report.counts.model_dump()),
        TAP,
        RunSettings(
            segments=8, poll_interval_seconds=5, empty_readings_required=3, worker_limit=2, intake_messages=40
        ),
    )
    assert comparison is not None
    assert comparison.duration_seconds == round(expected.duration_seconds, 1)
    assert comparison.intake_paused_seconds == round(expected.intake_paused_seconds, 1)
    assert comparison.state_transitions == expected.state_transitions
    assert comparison.cost_usd == round(expected.cost.total, 6)


def test_a_longer_poll_interval_estimates_a_longer_pause():
    report = finished_report()
    short = plan_beside_actual(
        report, {"poll_interval_seconds": 1}, TAP, migrate_memory_mb=256, worker_limit=2
    )
    long = plan_beside_actual(
        report, {"poll_interval_seconds": 30}, TAP, migrate_memory_mb=256, worker_limit=2
    )
    assert short is not None and long is not None
    assert long.intake_paused_seconds > short.intake_paused_seconds


def test_no_estimate_for_a_dry_run_or_a_run_that_counted_nothing():
    assert (
        plan_beside_actual(finished_report(dry_run=True), {}, TAP, migrate_memory_mb=256, worker_limit=2)
        is None
    )
    empty = finished_report().model_copy(update={"counts": RecordCounts()})
    assert plan_beside_actual(empty, {}, TAP, migrate_memory_mb=256, worker_limit=2) is None


def test_the_report_shows_estimate_beside_actual_in_text_and_json():
    # GIVEN a report with its estimate
    report = finished_report()
    report = report.model_copy(
        update={"estimate": plan_beside_actual(report, {}, TAP, migrate_memory_mb=256, worker_limit=2)}
    )

    # WHEN rendered
    text = format_report(report)
    document = report.to_json()

    # THEN the text puts each estimate before its actual, and the JSON carries the estimate
    assert "Plan estimate for these counts" in text
    assert f"duration {report.estimate.duration_seconds:.0f} s (99 s)" in text
    assert f"state transitions {report.estimate.state_transitions} (321)" in text
    assert document["estimate"]["state_transitions"] == report.estimate.state_transitions
    assert "estimate" not in finished_report().to_json()
