"""The pipeline's measured run repriced at the migration's AWS wait defaults (30 s, 3 readings)."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.aws_defaults_cost import AWS_DEFAULT_WAITS, WaitSettings, at_wait_settings, rounds_at
from benchmarks.metering import FunctionMeter, OperationKey
from benchmarks.run_result import RunResult, ScanVolume
from migration_cli import aws_prices

LOCAL = WaitSettings(interval_seconds=1, readings_required=1)


@pytest.mark.parametrize(
    ("local_rounds", "expected"),
    [
        (0, 2),  # quiet at the first reading: two more readings, 30 s apart
        (30, 3),  # quiet after 30 s: seen at the second reading, then two more
        (31, 4),
        (400, 16),  # ceil(400 / 30) = 14, then two more
    ],
)
def test_poll_rounds_at_the_defaults_follow_when_the_condition_first_held(local_rounds: int, expected: int):
    # GIVEN a wait that took local_rounds one-second rounds with one reading trusted
    # WHEN its rounds are counted at 30 s and 3 readings / THEN they are as expected
    assert rounds_at(local_rounds, LOCAL, AWS_DEFAULT_WAITS) == expected


def test_a_wait_measured_at_the_defaults_keeps_its_rounds():
    # GIVEN a wait measured at the defaults themselves (4 rounds) / THEN repricing keeps 4 rounds
    assert rounds_at(4, AWS_DEFAULT_WAITS, AWS_DEFAULT_WAITS) == 4


def pipeline(send_hold_seconds: float = 0.0, enqueue_calls: list[int] | None = None) -> RunResult:
    return RunResult(
        approach="pipeline",
        records=10_000,
        migrated=7_500,
        seconds=60.0,
        operations=Counter({OperationKey("sqs", "GetQueueAttributes", "migration", False): 45}),
        invocations={"onboarding-local-enqueue_records": FunctionMeter(4, 0, 10.0, 40_000.0)},
        migrated_write_units=0,
        scans=ScanVolume(0),
        state_transitions=400,
        polling_transitions=300,
        paging_transitions=16,
        transitions_per_phase={"Pause": 12, "Settle": 290, "Drain": 11},
        enqueue_calls=enqueue_calls or [1, 1, 1, 1],
        waits_per_phase={"Settle": 40},
        polling_per_phase={"Settle": 280, "Drain": 0},
        send_hold_seconds=send_hold_seconds,
    )


def test_only_the_polling_changes_at_the_defaults():
    # GIVEN a run whose settle polled 40 rounds of 7 transitions; pause and drain were quiet at once
    run = pipeline()

    # WHEN it is repriced at the defaults
    repriced = at_wait_settings(run, LOCAL)

    # THEN the settle polls 2 + 2 rounds of 7, pause and drain 2 rounds of plan's 8, nothing else moves
    assert repriced.polling_rounds == {"Pause": 2, "Settle": 4, "Drain": 2}
    assert repriced.state_transitions == 400 - 280 + 4 * 7 + 2 * 8 + 2 * 8
    # one GetQueueAttributes per round: 45 - 40 local rounds + 8 rounds
    assert repriced.sqs_requests == 45 - 40 + 8
    step_functions = repriced.state_transitions * aws_prices.STEP_FUNCTIONS_STANDARD_TRANSITION.usd_per_unit
    assert repriced.cost.step_functions == pytest.approx(step_functions * 1_000_000 / 7_500)


def test_enqueue_paging_drops_to_what_an_unheld_enqueue_needs():
    # GIVEN 4 segments that took 3 calls each locally (held by the backlog bound), 40 s unheld in all
    held = pipeline(send_hold_seconds=100.0, enqueue_calls=[3, 3, 3, 3])

    # WHEN it is repriced
    repriced = at_wait_settings(held, LOCAL)

    # THEN 10 s per segment fits one 20 s call each: 8 calls and their 16 paging transitions go
    unheld = at_wait_settings(pipeline(enqueue_calls=[3, 3, 3, 3]), LOCAL)
    assert repriced.enqueue_calls == 4
    assert unheld.enqueue_calls == 12
    assert repriced.state_transitions == unheld.state_transitions - 16
