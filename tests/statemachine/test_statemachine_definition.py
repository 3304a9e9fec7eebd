"""Static properties of statemachines/migration.asl.json: wiring, safety of every path, bounded loops."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from components.execution_input_states import FIRST_STATE, invalid_state_name, setup_states
from components.migration_state_machine import (
    DEFINITION_PATH,
    MigrationStateMachineArgs,
    definition_placeholders,
    definition_substitutions,
    render_definition,
)
from onboarding.execution_input import DEFAULTS, KEYS

ROLLBACK_ENTRY = "RollbackDisableNewMapping"
LEGACY_RE_ENABLE = "RollbackEnableLegacyMapping"
PAUSE_ENTRY = "PauseDisableLegacyMapping"
CUT_OVER = "CutOverEnableNewMapping"
ROLLBACK_ENDINGS = {"RollbackDone", "RollbackFailed"}


@pytest.fixture(scope="module")
def template() -> str:
    return DEFINITION_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def definition(template: str) -> dict[str, Any]:
    substitutions = {name: f"value-of-{name}" for name in definition_placeholders(template)}
    return json.loads(render_definition(template, substitutions))


def edges(state: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, target) for every transition out of a state: next, default, choice, catch."""
    if "Next" in state:
        yield "next", state["Next"]
    if "Default" in state:
        yield "default", state["Default"]
    for rule in state.get("Choices", []):
        yield "choice", rule["Next"]
    for catcher in state.get("Catch", []):
        yield "catch", catcher["Next"]


def reachable(states: dict[str, Any], start: str, skip: set[tuple[str, str]] = frozenset()) -> set[str]:
    """States reachable from `start`, not following the (state, kind) edges in `skip`."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(target for kind, target in edges(states[name]) if (name, kind) not in skip)
    return seen


def all_state_maps(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield definition["States"]
    for state in definition["States"].values():
        if state["Type"] == "Map":
            yield state["ItemProcessor"]["States"]


def test_every_placeholder_has_a_value_from_the_component(template: str) -> None:
    # GIVEN the placeholders of the file and the substitutions the component provides
    args = MigrationStateMachineArgs(**{name: "x" for name in MIGRATION_ARG_NAMES})
    provided = set(definition_substitutions(args, "topic-arn"))

    # THEN they are exactly the same names
    assert definition_placeholders(template) == provided


MIGRATION_ARG_NAMES = (
    "legacy_mapping_uuid",
    "new_mapping_uuid",
    "intake_queue_url",
    "intake_queue_arn",
    "migration_queue_url",
    "migration_queue_arn",
    "migration_dlq_arn",
    "legacy_table_name",
    "legacy_table_arn",
    "enqueue_records_function_arn",
    "validate_migration_function_arn",
)


def test_render_refuses_missing_unused_and_unsafe_values(template: str) -> None:
    names = definition_placeholders(template)
    complete = {name: "ok" for name in names}
    missing_one = dict(complete)
    missing_one.pop(sorted(names)[0])

    with pytest.raises(ValueError, match="without a value"):
        render_definition(template, missing_one)
    with pytest.raises(ValueError, match="match no placeholder"):
        render_definition(template, {**complete, "Typo": "x"})
    with pytest.raises(ValueError, match="plain string"):
        render_definition(template, {**complete, sorted(names)[0]: 'break"out'})


def test_render_leaves_jsonpath_alone(definition: dict[str, Any]) -> None:
    # GIVEN a rendered definition
    text = json.dumps(definition)

    # THEN the context object and JSONPath references survived, and no placeholder is left
    assert "$$.Execution.Name" in text
    assert "$.config.poll_interval_seconds" in text
    assert "${" not in text


def test_every_transition_target_exists_and_every_state_is_reachable(definition: dict[str, Any]) -> None:
    for states in all_state_maps(definition):
        for name, state in states.items():
            for _, target in edges(state):
                assert target in states, f"{name} goes to unknown state {target}"
    top = definition["States"]
    assert reachable(top, definition["StartAt"]) == set(top)
    for state in top.values():
        if state["Type"] == "Map":
            processor = state["ItemProcessor"]
            assert reachable(processor["States"], processor["StartAt"]) == set(processor["States"])


def test_every_failure_before_the_cut_over_rolls_back(definition: dict[str, Any]) -> None:
    # GIVEN every state from the pause up to (not through) the cut-over's success; past the pause the
    # input is not a dry run, so the dry-run branches of the route choices are not taken
    states = definition["States"]
    before = reachable(
        states,
        PAUSE_ENTRY,
        skip={(CUT_OVER, "next"), ("MigrateRouteResult", "choice"), ("MigrateRouteFailure", "choice")},
    )

    for name in before:
        state = states[name]
        # THEN each task catches everything ...
        if state["Type"] in {"Task", "Map"} and name not in {ROLLBACK_ENTRY, LEGACY_RE_ENABLE}:
            catch_all = [c for c in state.get("Catch", []) if "States.ALL" in c["ErrorEquals"]]
            assert catch_all, f"{name} has no Catch for States.ALL"
            assert LEGACY_RE_ENABLE in reachable(states, catch_all[0]["Next"]), (
                f"{name}'s Catch skips rollback"
            )
        # ... and the only way to end while paused is through the rollback
        if state["Type"] == "Fail":
            assert name in ROLLBACK_ENDINGS, f"{name} ends the execution with the legacy consumer paused"
        assert state["Type"] != "Succeed" and not state.get("End"), f"{name} ends before the cut-over"


def test_after_the_cut_over_nothing_re_enables_the_legacy_consumer(definition: dict[str, Any]) -> None:
    states = definition["States"]
    after = reachable(states, states[CUT_OVER]["Next"])

    assert LEGACY_RE_ENABLE not in after
    for name in after:
        if states[name]["Type"] == "Task":
            assert states[name]["Catch"][0]["Next"] == "CutOverFailed", name


def test_dry_run_never_touches_a_mapping(definition: dict[str, Any]) -> None:
    states = definition["States"]
    dry_choice = next(
        rule for rule in states["SetupIsDryRun"]["Choices"] if rule.get("BooleanEquals") is True
    )
    # From the scan on, a dry run follows only the dry-run branches of the route choices.
    dry_path = reachable(
        states,
        dry_choice["Next"],
        skip={("MigrateRouteResult", "default"), ("MigrateRouteFailure", "default")},
    )

    touching = [name for name in dry_path if "updateEventSourceMapping" in states[name].get("Resource", "")]
    assert touching == []
    assert "DryRunSummary" in dry_path


def test_every_loop_waits_so_none_can_spin(definition: dict[str, Any]) -> None:
    # GIVEN the graph without its Wait states and the gate (which waits for a person)
    states = definition["States"]
    stops = {name for name, state in states.items() if state["Type"] == "Wait"} | {"GateAwaitDecision"}

    # THEN what remains has no cycle: every loop sleeps (and each poll loop checks its timeout)
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in stops or name in done:
            return
        assert name not in visiting, f"a loop through {name} never waits"
        visiting.add(name)
        for _, target in edges(states[name]):
            visit(target)
        visiting.discard(name)
        done.add(name)

    visit(definition["StartAt"])
    for name, state in states.items():
        if state["Type"] == "Wait":
            assert state["SecondsPath"] == "$.config.poll_interval_seconds", name


def test_poll_loops_time_out_into_the_right_failure_path(definition: dict[str, Any]) -> None:
    states = definition["States"]
    expected = {
        "Pause": ("pause_timeout_seconds", ROLLBACK_ENTRY),
        "Settle": ("migration_timeout_seconds", ROLLBACK_ENTRY),
        "Redrive": ("migration_timeout_seconds", ROLLBACK_ENTRY),
        "Drain": ("drain_timeout_seconds", "CutOverFailed"),
    }
    for prefix, (timeout_key, failure) in expected.items():
        rule = states[f"{prefix}IsTimedOut"]["Choices"][0]
        assert rule["NumericGreaterThanEqualsPath"] == f"$.config.{timeout_key}"
        assert states[rule["Next"]]["Next"] == failure


def test_defaults_cover_every_config_key_the_states_read(definition: dict[str, Any]) -> None:
    # GIVEN the defaults and every `$.config.<key>` used anywhere in the definition
    defaults = definition["States"]["SetupDefaults"]["Parameters"]["defaults"]
    text = json.dumps(definition)
    used = set(re.findall(r"\$\.config\.([a-z_]+)", text))

    # THEN each has a default, so a partial input never reaches a missing path
    assert used <= set(defaults), used - set(defaults)
    assert defaults["dry_run"] is False
    assert defaults["poll_interval_seconds"] >= 10  # suited to AWS; local runs pass short ones


def test_setup_states_are_exactly_those_generated_from_the_execution_input_module(
    definition: dict[str, Any],
) -> None:
    # GIVEN the Setup states generated from onboarding/execution_input.py
    generated = setup_states()

    # THEN the definition holds them verbatim (regenerate: python -m components.execution_input_states)
    assert definition["StartAt"] == FIRST_STATE
    assert {name: definition["States"][name] for name in generated} == generated
    assert definition["States"]["SetupDefaults"]["Parameters"]["defaults"] == dict(DEFAULTS)
    # ... and every key of the schema has its own refusal naming it
    for key in KEYS:
        failure = definition["States"][invalid_state_name(key)]
        assert failure["Error"] == "Migration.InvalidInput"
        assert failure["Cause"].startswith(key.error_message)


def test_setup_refuses_bad_input_before_anything_is_paused(definition: dict[str, Any]) -> None:
    # GIVEN every refusal of the Setup checks
    states = definition["States"]
    refusals = {name for name, state in states.items() if state.get("Error") == "Migration.InvalidInput"}

    # THEN none of them can be reached from the pause: they are all before it
    assert len(refusals) == len(KEYS) + 1
    assert not refusals & reachable(states, PAUSE_ENTRY)
    assert PAUSE_ENTRY not in reachable(states, FIRST_STATE, skip={("SetupCheckRanges", "default")})


@pytest.mark.parametrize("path", [("MigrateScanSegments", "MigrateEnqueuePage"), ("ValidateMigration",)])
def test_idempotent_function_steps_retry_a_crashed_worker_and_lambda_service_errors(
    definition: dict[str, Any], path: tuple[str, ...]
) -> None:
    # GIVEN the enqueue page (same cursor on a retry) or the validation (read only)
    state = definition["States"][path[0]]
    if len(path) == 2:
        state = state["ItemProcessor"]["States"][path[1]]
    retried = {error: retrier for retrier in state["Retry"] for error in retrier["ErrorEquals"]}

    # THEN a dead runtime (Runtime.ExitError locally, Lambda.Unknown on AWS) is retried a few times with
    # backoff, as are Lambda's service errors, before any Catch rolls back
    for error in ("Lambda.Unknown", "Runtime.ExitError"):
        assert 3 <= retried[error]["MaxAttempts"] <= 4
        assert retried[error]["BackoffRate"] > 1
    for error in (
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException",
    ):
        assert retried[error]["MaxAttempts"] >= 3
    # ... but not an error of the function's own code (a bug would only repeat)
    assert "States.TaskFailed" not in retried and "States.ALL" not in retried
