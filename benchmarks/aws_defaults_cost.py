"""What the pipeline's measured run would cost with the migration's AWS defaults for its waits.

The benchmark runs the state machine with local wait settings (``LOCAL_INPUT``: a reading every second,
one quiet reading trusted, because the emulator's queue counts are exact). On AWS the defaults
(``onboarding.execution_input.KEYS``: every 30 s, 3 consecutive quiet readings, because SQS's
``ApproximateNumberOf*`` counts are approximate) poll far less. Only the waits' polling changes with
them: every other request, the scans and the Lambda durations are the ones measured.

A wait loop whose condition first held after ``W`` seconds reads at 0, I, 2I, ... so it sees the condition
at round ``ceil(W / I)`` and then waits ``readings - 1`` more rounds for the consecutive quiet readings.
Locally ``W`` is about ``(rounds - (local readings - 1)) x local interval``. Each round costs the
transitions the local run measured for that wait (Wait, Tick, the probe, its Choice, the bookkeeping
Pass states), or ``TRANSITIONS_PER_POLL`` of `plan`'s model where the local run never had to wait; and
each round makes one SQS request (GetQueueAttributes or ListMessageMoveTasks; the pause's
GetEventSourceMapping is a free Lambda control-plane call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from benchmarks.run_result import RunResult
from migration_cli.cost_model import Cost, cost_of
from migration_cli.migration_plan import TRANSITIONS_PER_POLL
from onboarding.execution_input import KEYS

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


@dataclass(frozen=True)
class RepricedRun:
    state_transitions: int
    sqs_requests: int
    polling_rounds: dict[str, int]
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
    usage = replace(run.usage(), state_transitions=transitions, sqs_requests=sqs)
    return RepricedRun(transitions, sqs, rounds, cost_of(usage).per_million(max(run.migrated, 1)))
