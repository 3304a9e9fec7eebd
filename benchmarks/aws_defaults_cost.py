"""What the pipeline's measured run would cost with the migration's AWS defaults for its waits.

The benchmark runs the state machine with local wait settings (``LOCAL_INPUT``: a reading every second,
one quiet reading trusted, because the emulator's queue counts are exact). On AWS the defaults
(``migration_runtime.execution_input.KEYS``: every 30 s, 3 consecutive quiet readings, because SQS's
``ApproximateNumberOf*`` counts are approximate) poll far less. Only the waits' polling changes with
them: every other request, the scans and the Lambda durations are the ones measured.

A wait loop whose condition first held after ``W`` seconds reads at 0, I, 2I, ... so it sees the condition
at round ``ceil(W / I)`` and then waits ``readings - 1`` more rounds for the consecutive quiet readings.
Locally ``W`` is about ``(rounds - (local readings - 1)) x local interval``. Each round costs the
transitions the local run measured for that wait (Wait, Tick, the probe, its Choice, the bookkeeping
Pass states), or ``TRANSITIONS_PER_POLL`` of `plan`'s model where the local run never had to wait; and
each round makes one SQS request (GetQueueAttributes or ListMessageMoveTasks; the pause's
GetEventSourceMapping is a free Lambda control-plane call).

The enqueue's paging is repriced too: locally its sends wait for the backlog bound
(``embedded_aws.moto_internals.sqs_backlog_bound``), so each segment takes more time slices (calls) than
on AWS, where a send returns at once. Without the time held, a segment's calls are its share of the
enqueue's measured duration over the slice; each call beyond the first costs the transitions measured
per paging round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from benchmarks.run_result import RunResult
from migration_cli.cost_model import Cost, cost_of
from migration_cli.migration_plan import TRANSITIONS_PER_ENQUEUE_CALL, TRANSITIONS_PER_POLL
from migration_runtime.execution_input import KEYS
from migration_runtime.settings import DEFAULT_ENQUEUE_CALL_SLICE_SECONDS
from onboarding_stack.function_names import ENQUEUE_RECORDS

_DEFAULTS = {key.name: key.default for key in KEYS}
AWS_POLL_INTERVAL_SECONDS = int(_DEFAULTS["poll_interval_seconds"])
AWS_EMPTY_READINGS_REQUIRED = int(_DEFAULTS["empty_readings_required"])
# The wait phases of the migration (statemachines/wait_phase_states.py): each runs wait_until_quiet.
WAIT_PHASES = ("Pause", "Settle", "Redrive", "Drain")


@dataclass(frozen=True)
class WaitSettings:
    interval_seconds: int
    readings_required: int


AWS_DEFAULT_WAITS = WaitSettings(AWS_POLL_INTERVAL_SECONDS, AWS_EMPTY_READINGS_REQUIRED)


def rounds_at(local_rounds: int, local: WaitSettings, target: WaitSettings) -> int:
    """Poll rounds (Wait states) of one wait at ``target`` settings, from its rounds at ``local``."""
    busy_seconds = max(0, local_rounds - (local.readings_required - 1)) * local.interval_seconds
    return math.ceil(busy_seconds / target.interval_seconds) + target.readings_required - 1


def enqueue_calls_unheld(run: RunResult, slice_seconds: float = DEFAULT_ENQUEUE_CALL_SLICE_SECONDS) -> int:
    """enqueue_records calls the run would have made had its sends never waited for the local bound."""
    segments = len(run.enqueue_calls)
    meter = next((meter for name, meter in run.invocations.items() if name.endswith(ENQUEUE_RECORDS)), None)
    if not segments or meter is None or run.send_hold_seconds <= 0:
        return sum(run.enqueue_calls)
    per_segment_seconds = meter.duration_ms / 1000 / segments  # the held time is already left out
    return segments * max(1, math.ceil(per_segment_seconds / slice_seconds))


@dataclass(frozen=True)
class RepricedRun:
    state_transitions: int
    sqs_requests: int
    polling_rounds: dict[str, int]
    enqueue_calls: int
    cost: Cost
    """Per million migrated records."""


def at_wait_settings(
    run: RunResult, local: WaitSettings, target: WaitSettings = AWS_DEFAULT_WAITS
) -> RepricedRun:
    """The pipeline ``run`` (measured with ``local`` wait settings) with its waits polled at ``target``."""
    measured_rounds = [run.waits_per_phase.get(phase, 0) for phase in WAIT_PHASES]
    polled = [phase for phase, rounds in zip(WAIT_PHASES, measured_rounds, strict=True) if rounds]
    measured_per_round = {
        phase: run.polling_per_phase.get(phase, 0) / run.waits_per_phase[phase] for phase in polled
    }
    transitions = run.state_transitions
    sqs = run.sqs_requests
    rounds: dict[str, int] = {}
    for phase, local_rounds in zip(WAIT_PHASES, measured_rounds, strict=True):
        if phase not in run.transitions_per_phase:
            continue  # this run never entered that wait (no redrive)
        rounds[phase] = rounds_at(local_rounds, local, target)
        per_round = measured_per_round.get(phase, TRANSITIONS_PER_POLL)
        transitions += round(rounds[phase] * per_round) - run.polling_per_phase.get(phase, 0)
        sqs += rounds[phase] - local_rounds
    calls = sum(run.enqueue_calls)
    unheld_calls = enqueue_calls_unheld(run)
    extra_calls = calls - len(run.enqueue_calls)
    per_call = run.paging_transitions / extra_calls if extra_calls > 0 else TRANSITIONS_PER_ENQUEUE_CALL
    transitions += round((unheld_calls - calls) * per_call)
    measured = run.usage()
    usage = replace(
        measured,
        state_transitions=transitions,
        sqs_requests=sqs,
        lambda_invocations=measured.lambda_invocations + unheld_calls - calls,
    )
    return RepricedRun(
        transitions, sqs, rounds, unheld_calls, cost_of(usage).per_million(max(run.migrated, 1))
    )
