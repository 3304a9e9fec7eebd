"""The migration's waits (Capture, Pause, Settle, Redrive, OnlinePause, CatchUp, Drain), each generated
from one small spec.

Every wait of the migration is the same loop around a child execution of ``wait_until_quiet.asl.json``
(which polls in its own history): start a wait, run a child, route on its outcome, and, while the child
only ran out of polls, start another one on the same elapsed time and quiet streak, at most
``WAIT_CHILDREN_PER_WAIT`` of them (``history_budget.py`` proves what that bound costs). The loop is
written once, here; a phase only says what it waits for and where it goes next. The definition file
holds the generated states verbatim (it stays a readable, complete ASL document) and a test checks it
equals what this module generates, so a hand edit is caught. After a change, rewrite the definition with::

    venv/bin/python -m statemachines.regenerate

Per phase (``<Phase>`` is its name), six states:

- ``<Phase>StartWait`` (Pass): nothing waited yet, no quiet reading, no child started;
- ``<Phase>WaitUntilQuiet`` (Task, ``startExecution.sync:2``): one child; any failure goes to the phase's
  failure route;
- ``<Phase>Route`` (Choice): quiet goes on, timed out fails, any extra outcome of the phase goes where it
  says, and a spent budget of children fails;
- ``<Phase>NextChild`` (Pass): count the child, carry its elapsed time and streak into the next;
- ``<Phase>TimedOut`` and ``<Phase>OutOfBudget`` (Pass): the phase's error and a cause for a person, then
  the failure route.

Why not workflow variables (``Assign``) instead of the counter Pass state: AWS allows ``Assign`` on a
Task ("Passing data between states with variables", Step Functions developer guide: Pass, Task, Map,
Parallel, Choice and Wait states), but the counter and the child's elapsed time would have to be assigned
from the child's result, and for a JSONPath Task that page does not say whether ``Assign`` reads the raw
result or the one ``ResultSelector`` made (moto evaluates it before ``ResultSelector``). A path that does
not resolve on AWS is a ``States.Runtime`` error, which no Catch turns into a rollback; a Pass state costs
two history events and behaves the same on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migration_runtime.migration_errors import MigrationError
from migration_runtime.run_sentinels import SENTINEL_PREFIX
from statemachines.history_budget import WAIT_CHILDREN_PER_WAIT

WAIT_STATE_MACHINE_ARN = "${WaitUntilQuietStateMachineArn}"
# One state per part of the loop, in the order they stand in the definition.
STATE_SUFFIXES = ("StartWait", "WaitUntilQuiet", "Route", "NextChild", "TimedOut", "OutOfBudget")
# Throttling or a transient error of Step Functions itself; the wait child only reads, so starting
# another one is safe.
_START_CHILD_RETRY: dict[str, Any] = {
    "ErrorEquals": [
        "StepFunctions.ExecutionLimitExceededException",
        "StepFunctions.AWSStepFunctionsException",
        "StepFunctions.SdkClientException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 3,
    "BackoffRate": 2,
    "MaxDelaySeconds": 30,
    "JitterStrategy": "FULL",
}


@dataclass(frozen=True)
class WaitPhase:
    """One wait of the migration: what it waits for, and where each of its ends goes."""

    name: str
    """The prefix of its states, e.g. ``Pause``."""
    probe: str
    """The kind of reading the wait child takes (one of its ``Read`` choices), e.g. ``legacy_paused``."""
    timeout_key: str
    """The execution input key (``$.config.<key>``) that bounds this wait in seconds."""
    when_quiet: str
    """The state to go to once the condition held for the required readings."""
    on_failure: str
    """Where a timeout, a spent budget or a failed child goes (the rollback, or after the cut-over its
    own failure path)."""
    error: MigrationError
    """The error of a timeout or a spent budget, e.g. ``Migration.PauseTimeout``."""
    not_done: str
    """What did not happen, for a person: ``<not_done> within N seconds (last reading: ...).``"""
    other_outcomes: Mapping[str, str] = field(default_factory=dict)
    """Outcomes of the child besides quiet / timed out / budget spent, and the state each goes to."""
    sentinel: str | None = None
    """For the ``sentinel_arrived`` probe: the sentinel's purpose (its id is
    ``__migration_sentinel__#<execution name>#<purpose>``, migration_runtime/run_sentinels.py)."""
    readings_required: int | None = None
    """Readings in a row the condition must hold; None: the execution input's ``empty_readings_required``
    (an arrival cannot be undone, so one reading proves it; queue depths are approximate and need more)."""
    min_relaxed_seconds: str = "0"
    """How long a streak quiet only by the drain's live-traffic rule (something in flight, no failed
    message marked) must last, as a literal or an intrinsic: the drain's is the new consumer's timeout
    plus one reading, so a message mid-attempt at the first such reading has succeeded or left its mark
    by then (``migration_runtime/intake_retries.py``)."""

    def state(self, suffix: str) -> str:
        return self.name + suffix

    @property
    def entry(self) -> str:
        return self.state("StartWait")


def _format_text(text: str) -> str:
    # The text goes inside a single-quoted States.Format template: a quote would end it, a brace would be
    # read as a placeholder.
    if any(character in text for character in "'{}\\"):
        raise ValueError(f"a cause text may not hold quotes, braces or backslashes: {text!r}")
    return text


def wait_phase_states(phase: WaitPhase, *, polls_per_child: int) -> dict[str, dict[str, Any]]:
    """The six states of one wait, in definition order."""
    last_child = WAIT_CHILDREN_PER_WAIT - 1  # children counts those already done before this one
    out_of_budget_cause = (
        f"The wait polled {WAIT_CHILDREN_PER_WAIT} x {polls_per_child} times without the {phase.probe} "
        "condition ({} seconds waited); raise poll_interval_seconds for longer waits."
    )
    timed_out_cause = f"{_format_text(phase.not_done)} within {{}} seconds (last reading: {{}})."
    return {
        phase.entry: {
            "Type": "Pass",
            "Comment": "Generated by statemachines/wait_phase_states.py (one loop for every wait; "
            "regenerate: python -m statemachines.regenerate). A new wait: nothing waited, no quiet reading "
            "yet, no child started.",
            "Result": {"elapsed": 0, "streak": 0, "children": 0},
            "ResultPath": "$.wait",
            "Next": phase.state("WaitUntilQuiet"),
        },
        phase.state("WaitUntilQuiet"): {
            "Type": "Task",
            "Comment": "Poll in a child execution (its own history); it returns when quiet, timed out, or "
            "its poll budget is spent.",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {
                "StateMachineArn": WAIT_STATE_MACHINE_ARN,
                "Input": {
                    "probe": phase.probe,
                    "interval_seconds.$": "$.config.poll_interval_seconds",
                    **_readings_required(phase),
                    "timeout_seconds.$": f"$.config.{phase.timeout_key}",
                    "elapsed_seconds.$": "$.wait.elapsed",
                    "streak.$": "$.wait.streak",
                    **_sentinel(phase),
                    **_min_relaxed_seconds(phase),
                    # Where the run is (a settle while the legacy backend serves reads differently).
                    "mode.$": "$.config.mode",
                    "stage.$": "$.stage",
                    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                },
            },
            "ResultSelector": {
                "outcome.$": "$.Output.outcome",
                "elapsed.$": "$.Output.elapsed_seconds",
                "streak.$": "$.Output.streak",
                "reading.$": "$.Output.reading",
            },
            "ResultPath": "$.wait_result",
            "Retry": [dict(_START_CHILD_RETRY)],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": phase.on_failure}],
            "Next": phase.state("Route"),
        },
        phase.state("Route"): {
            "Type": "Choice",
            "Comment": f"At most {WAIT_CHILDREN_PER_WAIT} children per wait keep this execution's history "
            "bounded (statemachines/history_budget.py).",
            "Choices": [
                _outcome_rule("quiet", phase.when_quiet),
                _outcome_rule("timed_out", phase.state("TimedOut")),
                *(_outcome_rule(outcome, target) for outcome, target in phase.other_outcomes.items()),
                {
                    "Variable": "$.wait.children",
                    "NumericGreaterThanEquals": last_child,
                    "Next": phase.state("OutOfBudget"),
                },
            ],
            "Default": phase.state("NextChild"),
        },
        phase.state("NextChild"): {
            "Type": "Pass",
            "Parameters": {
                "elapsed.$": "$.wait_result.elapsed",
                "streak.$": "$.wait_result.streak",
                "children.$": "States.MathAdd($.wait.children, 1)",
            },
            "ResultPath": "$.wait",
            "Next": phase.state("WaitUntilQuiet"),
        },
        phase.state("TimedOut"): _failure(
            phase,
            f"States.Format('{timed_out_cause}', $.config.{phase.timeout_key}, "
            "States.JsonToString($.wait_result.reading))",
        ),
        phase.state("OutOfBudget"): _failure(
            phase, f"States.Format('{out_of_budget_cause}', $.wait_result.elapsed)"
        ),
    }


def _readings_required(phase: WaitPhase) -> dict[str, Any]:
    if phase.readings_required is None:
        return {"readings_required.$": "$.config.empty_readings_required"}
    return {"readings_required": phase.readings_required}


def _min_relaxed_seconds(phase: WaitPhase) -> dict[str, Any]:
    if phase.min_relaxed_seconds.isdigit():
        return {"min_relaxed_seconds": int(phase.min_relaxed_seconds)}
    return {"min_relaxed_seconds.$": phase.min_relaxed_seconds}


def _sentinel(phase: WaitPhase) -> dict[str, Any]:
    if phase.sentinel is None:
        return {}
    return {"sentinel.$": sentinel_id_expression(phase.sentinel)}


def sentinel_id_expression(purpose: str) -> str:
    """The sentinel's id for this execution, as an intrinsic (the same text the sentinel's writer uses)."""
    return f"States.Format('{SENTINEL_PREFIX}{{}}#{_format_text(purpose)}', $$.Execution.Name)"


def _outcome_rule(outcome: str, target: str) -> dict[str, Any]:
    return {"Variable": "$.wait_result.outcome", "StringEquals": outcome, "Next": target}


def _failure(phase: WaitPhase, cause_expression: str) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Parameters": {"Error": phase.error, "Cause.$": cause_expression},
        "ResultPath": "$.error",
        "Next": phase.on_failure,
    }


ROLLBACK = "RollbackRoute"
FAILED_AFTER_CUT_OVER = "CutOverFailed"

MIGRATION_WAIT_PHASES = (
    WaitPhase(
        name="Capture",
        probe="sentinel_arrived",
        timeout_key="pause_timeout_seconds",
        when_quiet="BackupIsRequested",
        on_failure=ROLLBACK,
        error=MigrationError.CAPTURE_TIMEOUT,
        not_done="The change capture did not deliver its first sentinel",
        sentinel="live",
        readings_required=1,
    ),
    WaitPhase(
        name="Pause",
        probe="legacy_paused",
        timeout_key="pause_timeout_seconds",
        when_quiet="BackupIsRequested",
        on_failure=ROLLBACK,
        error=MigrationError.PAUSE_TIMEOUT,
        not_done="The legacy consumer did not stop",
    ),
    WaitPhase(
        name="Settle",
        probe="migration_queue_empty",
        timeout_key="migration_timeout_seconds",
        when_quiet="ValidateNoteStart",
        on_failure=ROLLBACK,
        error=MigrationError.MIGRATION_TIMEOUT,
        not_done="The migration queue did not empty",
    ),
    WaitPhase(
        name="Redrive",
        probe="move_task_done",
        timeout_key="migration_timeout_seconds",
        when_quiet="SettleRecordPhase",
        on_failure=ROLLBACK,
        error=MigrationError.REDRIVE_TIMEOUT,
        not_done="Moving the migration DLQ back did not finish",
        # A FAILED or CANCELLED move task: back through validation to the gate, never settled as moved.
        other_outcomes={"failed": "RedriveMoveTaskFailed"},
    ),
    WaitPhase(
        name="OnlinePause",
        probe="legacy_paused",
        timeout_key="pause_timeout_seconds",
        when_quiet="CatchUpWriteSentinel",
        on_failure=ROLLBACK,
        error=MigrationError.PAUSE_TIMEOUT,
        not_done="The legacy consumer did not stop",
    ),
    WaitPhase(
        name="CatchUp",
        # No heartbeat: the capture-is-live group proved every shard's poller reading before the bulk
        # copy, so the placed sentinels arrive without being written again (a beat is a Lambda call).
        probe="sentinel_arrived_without_beat",
        timeout_key="pause_timeout_seconds",
        when_quiet="CatchUpDeleteLiveSentinels",
        on_failure=ROLLBACK,
        error=MigrationError.CATCH_UP_TIMEOUT,
        not_done="The change stream did not deliver the cut-over sentinel",
        sentinel="caught_up",
        readings_required=1,
    ),
    WaitPhase(
        name="Drain",
        probe="intake_queue_empty",
        timeout_key="drain_timeout_seconds",
        when_quiet="ResumeIsCapturing",
        on_failure=FAILED_AFTER_CUT_OVER,
        error=MigrationError.DRAIN_TIMEOUT,
        not_done="The intake backlog did not drain",
        min_relaxed_seconds="States.MathAdd(${IntakeConsumerTimeoutSeconds}, $.config.poll_interval_seconds)",
    ),
)


def migration_wait_states(*, polls_per_child: int) -> dict[str, dict[str, dict[str, Any]]]:
    """Each phase's generated states, by phase name."""
    return {
        phase.name: wait_phase_states(phase, polls_per_child=polls_per_child)
        for phase in MIGRATION_WAIT_PHASES
    }


def wait_child_max_polls(wait_definition: Mapping[str, Any]) -> int:
    """The poll budget of one wait child, as its own definition sets it (for the causes' text)."""
    return int(wait_definition["States"]["Start"]["Parameters"]["max_polls"])


def with_wait_states(definition: Mapping[str, Any], *, polls_per_child: int) -> dict[str, Any]:
    """The definition with each phase's wait states replaced by the generated ones, where they stood.

    Every state named ``<Phase><suffix>`` is the phase's (also one an earlier generation had and this one
    no longer has). A phase not yet in the definition goes right after the state that enters it.
    """
    generated = migration_wait_states(polls_per_child=polls_per_child)
    owner = {phase.state(suffix): phase.name for phase in MIGRATION_WAIT_PHASES for suffix in STATE_SUFFIXES}
    entered_by = {phase.entry: phase.name for phase in MIGRATION_WAIT_PHASES}
    absent = set(generated) - {owner[name] for name in definition["States"] if name in owner}
    states: dict[str, Any] = {}
    placed: set[str] = set()
    for name, state in definition["States"].items():
        phase_name = owner.get(name)
        if phase_name is None:
            states[name] = state
            phase_name = entered_by.get(state.get("Next", ""))
            if phase_name not in absent:
                continue
        if phase_name not in placed:
            states.update(generated[phase_name])
            placed.add(phase_name)
    if missing := set(generated) - placed:
        raise ValueError(f"no state enters the wait phase(s) {sorted(missing)}: add a Next to its StartWait")
    return {**definition, "States": states}
