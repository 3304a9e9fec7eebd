"""The plan's arithmetic (pure, no AWS), the sample's classification, and `plan`'s bad usage."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from demo_data.workouts_records import CompletionKind, synthetic_completions
from demo_data.workouts_records import lookup_items as workout_lookup_items
from migration_cli.cost_model import Usage, cost_of
from migration_cli.legacy_sample import RecordClass, classify
from migration_cli.main import main
from migration_cli.migration_plan import (
    FIXED_SECONDS,
    REVERIFIED_RECORDS_PER_SECOND,
    REVERIFY_CLOCK_SKEW_SECONDS,
    SCAN_RECORDS_PER_SECOND,
    VALIDATION_RECORDS_PER_SECOND,
    RecordCounts,
    RunSettings,
    Tap,
    WaitBudget,
    counts_from_report,
    counts_from_sample,
    estimate,
)
from migration_runtime.lookup_tables import NoLookups
from record_mappings.onboarding.mapping import MAPPING
from record_mappings.workouts.mapping import MAPPING as WORKOUTS
from tests.fixtures.in_memory_lookups import InMemoryLookups

COUNTS = RecordCounts(records=10_000, migrates=7_500, ineligible=2_000, invalid=500, mean_legacy_bytes=900)
TAP = Tap(batch_size=10, max_concurrency=10)
SETTINGS = RunSettings(segments=4, poll_interval_seconds=2, empty_readings_required=3, seconds_per_batch=0.5)


def test_duration_is_the_sum_of_its_documented_phases() -> None:
    # GIVEN 8,000 eligible records through 10 x 10 at 0.5 s a batch (200 records/s) and a 4-segment scan
    # WHEN
    plan = estimate(COUNTS, TAP, SETTINGS)

    # THEN each phase follows the model in the module's doc
    scan = 10_000 / (4 * SCAN_RECORDS_PER_SECOND)
    processing = 8_000 / 200
    assert plan.records_per_second == pytest.approx(200)
    assert plan.phases == pytest.approx(
        {
            "fixed": FIXED_SECONDS,
            "pause": 6.0,
            "migrate": scan,
            "settle": max(0.0, processing - scan) + 6.0,
            "validate": 10_000 / VALIDATION_RECORDS_PER_SECOND,
            "drain": 6.0,
        }
    )
    assert plan.duration_seconds == pytest.approx(sum(plan.phases.values()))
    # the intake waits from the pause to the cut-over, not during the fixed steps before it nor the drain
    assert plan.intake_paused_seconds == pytest.approx(plan.duration_seconds - FIXED_SECONDS - 6.0)


def test_online_the_intake_pauses_only_for_the_cut_over_and_not_longer_with_more_records() -> None:
    # GIVEN the same run offline and online, with 300 changes expected during the run
    offline = estimate(COUNTS, TAP, replace(SETTINGS, intake_messages=300))
    online = estimate(COUNTS, TAP, replace(SETTINGS, intake_messages=300, online=True))
    bigger = estimate(
        replace(COUNTS, records=100_000, migrates=75_000),
        TAP,
        replace(SETTINGS, intake_messages=300, online=True),
    )

    # THEN online adds a capture and a catch-up reading, a converging round while serving (the changes made
    # during the full validation) and, in the pause, the re-verification of the changes since that round
    # began; the intake is paused for the pause, the catch-up and that re-verification only
    phases = online.phases
    assert phases["capture"] == phases["catch_up"] == 2.0
    serving = phases["capture"] + phases["migrate"] + phases["settle"] + phases["validate"]
    rate = 300 / serving
    assert phases["converge"] == pytest.approx(rate * phases["validate"] / REVERIFIED_RECORDS_PER_SECOND)
    window = phases["converge"] + REVERIFY_CLOCK_SKEW_SECONDS + phases["pause"] + phases["catch_up"]
    assert phases["revalidate"] == pytest.approx(6.0 + rate * window / REVERIFIED_RECORDS_PER_SECOND)
    assert online.intake_paused_seconds == pytest.approx(6.0 + 2.0 + phases["revalidate"])
    assert online.intake_paused_seconds < offline.intake_paused_seconds
    # AND not longer with more records (the same changes spread over a longer copy)
    assert bigger.intake_paused_seconds <= online.intake_paused_seconds
    assert online.duration_seconds > offline.duration_seconds


def test_the_queue_drains_faster_with_more_concurrency_and_never_faster_than_the_workers_allow() -> None:
    # GIVEN the same run with twice the maximum concurrency, and with a local cap of 2 workers
    slow = estimate(COUNTS, TAP, SETTINGS)
    fast = estimate(COUNTS, replace(TAP, max_concurrency=20), SETTINGS)
    capped = estimate(COUNTS, replace(TAP, max_concurrency=20), replace(SETTINGS, worker_limit=2))

    # THEN the backlog after the scan shrinks, and a worker limit caps the concurrency used
    assert fast.phases["settle"] < slow.phases["settle"]
    assert fast.concurrency == 20 and capped.concurrency == 2
    assert capped.records_per_second == pytest.approx(10 * 2 / 0.5)
    assert capped.duration_seconds > slow.duration_seconds


def test_usage_counts_one_send_receive_and_delete_per_batch_and_one_invocation_per_batch() -> None:
    # GIVEN 8,000 eligible records (7,500 migrate, 500 invalid) and batches of 10
    plan = estimate(COUNTS, TAP, SETTINGS)
    batches = 800

    # THEN
    polls = plan.longest_wait_polls + 2 * SETTINGS.empty_readings_required  # no intake: drain only reads
    assert plan.usage.sqs_requests == 800 + 2 * batches + polls
    enqueue_calls = 4 * max(1, math.ceil(plan.phases["migrate"] / 20))
    assert plan.usage.lambda_invocations == batches + enqueue_calls + 1
    # one transaction per migrated record (its 1-unit item and its pointer, at 2 units per KB each),
    # one ledger put per invalid record, the control table's writes
    assert plan.usage.dynamodb_write_units == pytest.approx(7_500 * 2 * (1 + 1) + 500 + 12)
    assert plan.usage.state_transitions == plan.state_transitions


def test_packed_messages_divide_requests_and_invocations_but_not_the_records_rate() -> None:
    # GIVEN the same 8,000 eligible records of 900 bytes, sent ten per message, and a batch of ten such
    # messages taking ten times as long (the per-record work is the same)
    packed_tap = replace(TAP, records_per_message=10)
    packed_settings = replace(SETTINGS, seconds_per_batch=SETTINGS.seconds_per_batch * 10)

    # WHEN estimated beside one record per message
    single = estimate(COUNTS, TAP, SETTINGS)
    packed = estimate(COUNTS, packed_tap, packed_settings)

    # THEN 800 messages in 80 batches: each full send and receive carries 90,000 bytes, two 64 KB chunks,
    # so 80 sends x 2 + 80 receives x 2 + 80 deletes, plus the same polls ...
    polls = packed.longest_wait_polls + 2 * SETTINGS.empty_readings_required
    assert packed.usage.sqs_requests == 80 * 2 + 80 * 2 + 80 + polls
    # ... one invocation per batch of 100 records, the same GB-seconds, and the same drain rate
    enqueue_calls = 4 * max(1, math.ceil(packed.phases["migrate"] / 20))
    assert packed.usage.lambda_invocations == 80 + enqueue_calls + 1
    assert packed.usage.lambda_gb_seconds == pytest.approx(single.usage.lambda_gb_seconds)
    assert packed.records_per_second == single.records_per_second
    assert packed.duration_seconds == pytest.approx(single.duration_seconds)


def test_the_cost_is_the_cost_models_figure_for_the_same_usage() -> None:
    # GIVEN a plan
    plan = estimate(COUNTS, TAP, SETTINGS)

    # WHEN the benchmarks' cost model prices the same usage, rebuilt from plain numbers
    priced = cost_of(Usage(**plan.as_dict()["usage"]))

    # THEN the plan's dollars are exactly the model's, and grow with the records
    assert plan.cost == priced
    assert plan.as_dict()["cost_usd"]["total"] == priced.total
    bigger = estimate(
        replace(COUNTS, records=20_000, migrates=15_000, ineligible=4_000, invalid=1_000), TAP, SETTINGS
    )
    assert bigger.cost.total > plan.cost.total > 0


def test_a_sample_is_scaled_to_the_record_count_and_sums_to_it() -> None:
    # GIVEN a sample of 1,000: 752 migrate, 199 ineligible, 49 invalid
    counts = counts_from_sample(
        12_345,
        sampled=1_000,
        migrates=752,
        ineligible=199,
        invalid=49,
        mean_legacy_bytes=800,
        mean_write_units=2,
    )

    # THEN the shares hold and nothing is lost to rounding
    assert counts.ineligible == round(12_345 * 0.199) and counts.invalid == round(12_345 * 0.049)
    assert counts.migrates + counts.ineligible + counts.invalid == 12_345
    assert counts.eligible == counts.migrates + counts.invalid
    # an empty sample (an empty table) counts every record as migrating
    empty = counts_from_sample(
        0, sampled=0, migrates=0, ineligible=0, invalid=0, mean_legacy_bytes=0, mean_write_units=1
    )
    assert (empty.records, empty.migrates) == (0, 0)


def test_a_reports_counts_give_the_estimate_of_the_run_that_happened() -> None:
    # GIVEN the counts of a finished run's report
    actual = {"legacy": 10_000, "migrated": 7_480, "superseded_by_intake": 9, "dead_lettered": 0}
    actual |= {"ineligible": 1_998, "rejected": 513, "eligible": 8_002}

    # WHEN
    counts = counts_from_report(actual)

    # THEN every legacy record is in one class, and the estimate is of those counts
    assert (counts.records, counts.migrates, counts.ineligible, counts.invalid) == (10_000, 7_489, 1_998, 513)
    assert counts.eligible == actual["eligible"]
    assert estimate(counts, TAP, SETTINGS).usage.lambda_invocations >= 801


def test_a_settle_wait_beyond_its_poll_budget_is_a_warning() -> None:
    # GIVEN a wait budget of 2 children x 10 polls and a run whose queue drains for minutes at 1-s polls
    budget = WaitBudget(children_per_wait=2, polls_per_child=10, worst_case_events={"migration": 1000})
    slow = replace(SETTINGS, poll_interval_seconds=1, seconds_per_batch=5.0)

    # WHEN / THEN
    assert any("settle wait" in warning for warning in estimate(COUNTS, TAP, slow, budget).warnings)
    # and a budget that covers it warns of nothing
    roomy = WaitBudget(children_per_wait=20, polls_per_child=350, worst_case_events={"migration": 1000})
    assert estimate(COUNTS, TAP, slow, roomy).warnings == []


def test_each_synthetic_record_is_classified_as_the_migration_treats_it() -> None:
    # GIVEN labelled synthetic records (eligible valid, ineligible some of them broken too, eligible invalid)
    records = synthetic_records(300, seed="plan")
    now = datetime.now(UTC)
    expected = {
        RecordKind.ELIGIBLE_VALID: RecordClass.MIGRATES,
        RecordKind.INELIGIBLE: RecordClass.INELIGIBLE,
        RecordKind.ELIGIBLE_INVALID: RecordClass.INVALID,
    }

    # WHEN / THEN each lands in its class; only migrating ones have write units
    results = [(item.kind, *classify(item.record, now, MAPPING, NoLookups())) for item in records]
    assert {kind for kind, _, _ in results} == set(expected)
    for kind, record_class, units in results:
        assert record_class is expected[kind]
        assert (units >= 1) if record_class is RecordClass.MIGRATES else units == 0


def test_a_workouts_sample_is_classified_through_its_mapping_and_lookups() -> None:
    # GIVEN labelled workout completions (some name a routine before its first version) and their lookups
    records = synthetic_completions(300, seed="plan")
    lookups = InMemoryLookups(WORKOUTS.lookup_tables, workout_lookup_items(300, seed="plan"))
    now = datetime.now(UTC)
    expected = {
        CompletionKind.ELIGIBLE_VALID: RecordClass.MIGRATES,
        CompletionKind.INELIGIBLE: RecordClass.INELIGIBLE,
        CompletionKind.ELIGIBLE_INVALID: RecordClass.INVALID,
    }

    # WHEN / THEN `plan` classifies each as the migration treats it: only through the mapping and the
    # lookups does a completion before its routine's first version count as invalid
    results = [(item.kind, classify(item.record, now, WORKOUTS, lookups)[0]) for item in records]
    assert {kind for kind, _ in results} == set(expected)
    assert all(record_class is expected[kind] for kind, record_class in results)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["plan", "--outputs", "/nonexistent/outputs.json"], "outputs file"),
        (["plan", "--sample", "-1", "--outputs", "x.json"], "--sample"),
        (["plan", "--seconds-per-batch", "0", "--outputs", "x.json"], "--seconds-per-batch"),
        (["plan", "--segments", "65", "--outputs", "x.json"], "--segments"),
    ],
)
def test_bad_usage_is_one_error_line_and_exit_2(argv: list[str], named: str, capsys) -> None:
    # WHEN plan is given a bad value
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err

    # THEN one error line names it, exit 2, no traceback
    assert code == 2, err
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and named in error_lines[0], err
