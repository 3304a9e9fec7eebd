"""Static properties of the migration's definitions: wiring, safety of every path, bounded loops."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from components.execution_input_states import FIRST_STATE, invalid_state_name, setup_states
from components.migration_state_machine import (
    CHILD_DEFINITIONS,
    DEFINITION_PATH,
    SEGMENT_DEFINITION_PATH,
    WAIT_DEFINITION_PATH,
    MigrationStateMachineArgs,
    check_substitution_names,
    definition_placeholders,
    definition_substitutions,
    render_definition,
)
from migration_runtime.execution_input import DEFAULTS, KEYS, MAX_SEGMENTS
from migration_runtime.run_control import Outcome
from statemachines.history_budget import WAIT_PREFIXES, migration_worst_cases

ROLLBACK_ENTRY = "RollbackRoute"
LEGACY_RE_ENABLE = "RollbackEnableLegacyMapping"
PAUSE_ENTRY = "PauseDisableLegacyMapping"
CUT_OVER_COMMIT = "CutOverCommit"
# Ends while paused that leave serving to the watchdog: the rollback's own failure (no outcome recorded).
ROLLBACK_ENDINGS = {"RollbackDone", "RollbackFailed"}
HISTORY_QUOTA = 25_000


@pytest.fixture(scope="module")
def template() -> str:
    return DEFINITION_PATH.read_text(encoding="utf-8")


def _rendered(template: str) -> dict[str, Any]:
    substitutions = {name: f"value-of-{name}" for name in definition_placeholders(template)}
    return json.loads(render_definition(template, substitutions))


@pytest.fixture(scope="module")
def definition(template: str) -> dict[str, Any]:
    return _rendered(template)


@pytest.fixture(scope="module")
def wait_definition() -> dict[str, Any]:
    return _rendered(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def segment_definition() -> dict[str, Any]:
    return _rendered(SEGMENT_DEFINITION_PATH.read_text(encoding="utf-8"))


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
    # GIVEN the placeholders of the three files and the substitutions the component provides (plus the
    # children's ARNs, which it provides once they exist)
    args = MigrationStateMachineArgs(
        **{name: "x" for name in MIGRATION_ARG_NAMES},
        intake_minimum_visibility_timeout_seconds=180,
        intake_consumer_timeout_seconds=30,
    )
    provided = set(definition_substitutions(args, "topic-arn")) | set(CHILD_DEFINITIONS)
    wanted = definition_placeholders(template).union(
        *(definition_placeholders(path.read_text(encoding="utf-8")) for path in CHILD_DEFINITIONS.values())
    )

    # THEN they are exactly the same names
    assert wanted == provided


MIGRATION_ARG_NAMES = (
    "legacy_mapping_uuid",
    "new_mapping_uuid",
    "capture_mapping_uuid",
    "capture_function_arn",
    "intake_queue_url",
    "intake_queue_arn",
    "migration_queue_url",
    "migration_queue_arn",
    "migration_dlq_arn",
    "legacy_table_name",
    "legacy_table_arn",
    "enqueue_records_function_arn",
    "validate_migration_function_arn",
    "control_table_name",
    "control_table_arn",
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


def test_the_set_of_definitions_refuses_a_missing_or_an_unused_value(template: str) -> None:
    # GIVEN the three definitions and exactly the names they use
    templates = {
        "migration": template,
        **{key: path.read_text(encoding="utf-8") for key, path in CHILD_DEFINITIONS.items()},
    }
    names = set().union(*(definition_placeholders(text) for text in templates.values()))
    check_substitution_names(templates, names)

    # WHEN / THEN one name short, or one too many, is refused naming it
    with pytest.raises(ValueError, match="IntakeQueueUrl"):
        check_substitution_names(templates, names - {"IntakeQueueUrl"})
    with pytest.raises(ValueError, match="Typo"):
        check_substitution_names(templates, names | {"Typo"})


def test_render_leaves_jsonpath_alone(definition: dict[str, Any]) -> None:
    # GIVEN a rendered definition
    text = json.dumps(definition)

    # THEN the context object and JSONPath references survived, and no placeholder is left
    assert "$$.Execution.Id" in text
    assert "$.config.poll_interval_seconds" in text
    assert "${" not in text


def test_every_transition_target_exists_and_every_state_is_reachable(
    definition: dict[str, Any], wait_definition: dict[str, Any], segment_definition: dict[str, Any]
) -> None:
    for child in (wait_definition, segment_definition):
        assert reachable(child["States"], child["StartAt"]) == set(child["States"])
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
    # GIVEN every state from the pause up to (not through) the cut-over's commit; past the pause the
    # input is not a dry run, so the dry-run branches of the route choices are not taken
    states = definition["States"]
    before = reachable(
        states,
        PAUSE_ENTRY,
        skip={(CUT_OVER_COMMIT, "next"), ("MigrateRouteResult", "choice"), ("MigrateRouteFailure", "choice")},
    )

    for name in before:
        state = states[name]
        # THEN each task catches everything ...
        if state["Type"] in {"Task", "Map"} and not name.startswith("Rollback"):
            catch_all = [c for c in state.get("Catch", []) if "States.ALL" in c["ErrorEquals"]]
            assert catch_all, f"{name} has no Catch for States.ALL"
            assert LEGACY_RE_ENABLE in reachable(states, catch_all[0]["Next"]), (
                f"{name}'s Catch skips rollback"
            )
        # ... and the only way to end while paused is through the rollback
        if state["Type"] == "Fail":
            assert name in ROLLBACK_ENDINGS, f"{name} ends the execution with the legacy consumer paused"
        assert state["Type"] != "Succeed" and not state.get("End"), f"{name} ends before the cut-over"


def test_a_forced_run_rolls_back_to_the_new_backend_never_to_legacy(definition: dict[str, Any]) -> None:
    # GIVEN the rollback's route for a run that started while the new backend served
    states = definition["States"]
    (forced,) = states["RollbackRoute"]["Choices"]
    assert (forced["Variable"], forced["StringEquals"]) == ("$.serving_before", "new")

    # THEN that branch never reaches the legacy re-enable
    assert LEGACY_RE_ENABLE not in reachable(states, forced["Next"])


def test_after_the_cut_over_nothing_re_enables_the_legacy_consumer(definition: dict[str, Any]) -> None:
    states = definition["States"]
    after = reachable(states, states[CUT_OVER_COMMIT]["Next"])

    assert LEGACY_RE_ENABLE not in after and ROLLBACK_ENTRY not in after
    # Every task catches everything; a failure first makes sure the new backend serves (the ensure step
    # and the bookkeeping after it are the only tasks whose Catch skips it).
    bookkeeping = reachable(states, "CutOverFailedEnsureNewServing")
    for name in after - bookkeeping:
        state = states[name]
        if state["Type"] == "Task":
            catch_all = [c for c in state["Catch"] if "States.ALL" in c["ErrorEquals"]]
            assert catch_all, name
            targets = reachable(states, catch_all[0]["Next"])
            # (stopping an online run's capture after the drain: a failure there still records the outcome)
            assert "CutOverFailedEnsureNewServing" in targets or targets <= {
                "ResumeRecordOutcome",
                "ResumeReleaseLock",
                "ResumeReport",
            }, name
    fails = {name for name in after if states[name]["Type"] == "Fail"}
    assert fails == {"CutOverFailedServingUnknown", "CutOverFailedEnd"}


def test_the_cut_over_is_committed_in_one_transaction_before_any_mapping_changes(
    definition: dict[str, Any],
) -> None:
    # GIVEN the commit
    commit = definition["States"][CUT_OVER_COMMIT]
    update, put = commit["Parameters"]["TransactItems"]

    # THEN the run's cut_over flag and the serving backend change together, then the mappings do
    assert commit["Resource"].endswith("dynamodb:transactWriteItems")
    assert update["Update"]["ExpressionAttributeValues"][":yes"] == {"BOOL": True}
    assert put["Put"]["Item"]["backend"] == {"S": "new"}
    assert commit["Next"] == "CutOverDisableLegacyMapping"
    assert definition["States"]["CutOverDisableLegacyMapping"]["Next"] == "CutOverEnableNewMapping"


def test_every_end_records_its_outcome_and_releases_the_lock(definition: dict[str, Any]) -> None:
    states = definition["States"]
    for prefix, outcome in (("Resume", Outcome.SUCCEEDED), ("Rollback", Outcome.ROLLED_BACK)):
        record = states[f"{prefix}RecordOutcome"]
        assert record["Parameters"]["ExpressionAttributeValues"][":outcome"] == {"S": outcome.value}
        assert record["Parameters"]["ConditionExpression"] == "attribute_not_exists(outcome)"
        assert record["Next"] == f"{prefix}ReleaseLock"
        release = states[f"{prefix}ReleaseLock"]
        assert release["Parameters"]["ConditionExpression"] == "execution_arn = :me"
    record = states["CutOverFailedRecordOutcome"]
    assert record["Parameters"]["ExpressionAttributeValues"][":outcome"] == {
        "S": Outcome.FAILED_AFTER_CUT_OVER.value
    }


def test_a_second_run_is_refused_before_it_changes_anything(definition: dict[str, Any]) -> None:
    # GIVEN the lock, taken right after the input checks
    states = definition["States"]
    lock = states["SetupTakeLock"]

    # THEN it is a conditional put whose failed condition ends the run without touching a mapping
    assert lock["Parameters"]["ConditionExpression"] == "attribute_not_exists(pk)"
    (refusal,) = [
        c for c in lock["Catch"] if c["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
    ]
    assert states[refusal["Next"]]["Type"] == "Fail"
    assert states[refusal["Next"]]["Error"] == "Migration.AlreadyRunning"
    assert states["SetupIsDryRun"]["Default"] == "SetupTakeLock"
    refused_after_cut_over = reachable(states, "SetupRefuseAfterCutOver")
    assert PAUSE_ENTRY not in refused_after_cut_over


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


def _assert_every_cycle_passes(states: dict[str, Any], start: str, stops: set[str]) -> None:
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

    visit(start)


def test_every_loop_waits_so_none_can_spin(
    definition: dict[str, Any], wait_definition: dict[str, Any]
) -> None:
    # GIVEN the migration without the waits it hands to a child, and the gate (which waits for a person)
    states = definition["States"]
    stops = {f"{prefix}WaitUntilQuiet" for prefix in WAIT_PREFIXES} | {"GateAwaitDecision"}
    for name in stops - {"GateAwaitDecision"}:
        assert states[name]["Parameters"]["StateMachineArn"] == "value-of-WaitUntilQuietStateMachineArn"

    # THEN what remains has no cycle; and the wait child's only loop sleeps the poll interval
    _assert_every_cycle_passes(states, definition["StartAt"], stops)
    child = wait_definition["States"]
    waits = {name for name, state in child.items() if state["Type"] == "Wait"}
    assert {child[name]["SecondsPath"] for name in waits} == {"$.loop.interval"}
    _assert_every_cycle_passes(child, wait_definition["StartAt"], waits)


def test_poll_loops_time_out_into_the_right_failure_path(definition: dict[str, Any]) -> None:
    states = definition["States"]
    expected = {
        "Capture": ("pause_timeout_seconds", ROLLBACK_ENTRY),
        "Pause": ("pause_timeout_seconds", ROLLBACK_ENTRY),
        "OnlinePause": ("pause_timeout_seconds", ROLLBACK_ENTRY),
        "CatchUp": ("pause_timeout_seconds", ROLLBACK_ENTRY),
        "Settle": ("migration_timeout_seconds", ROLLBACK_ENTRY),
        "Redrive": ("migration_timeout_seconds", ROLLBACK_ENTRY),
        "Drain": ("drain_timeout_seconds", "CutOverFailed"),
    }
    for prefix, (timeout_key, failure) in expected.items():
        child_input = states[f"{prefix}WaitUntilQuiet"]["Parameters"]["Input"]
        assert child_input["timeout_seconds.$"] == f"$.config.{timeout_key}"
        assert child_input["interval_seconds.$"] == "$.config.poll_interval_seconds"
        routes = {rule.get("StringEquals"): rule["Next"] for rule in states[f"{prefix}Route"]["Choices"]}
        assert states[routes["timed_out"]]["Next"] == failure
        assert states[f"{prefix}OutOfBudget"]["Next"] == failure


def test_a_failed_or_cancelled_move_task_is_never_quiet(
    wait_definition: dict[str, Any], definition: dict[str, Any]
) -> None:
    # GIVEN the move-task probe of the wait child
    rules = wait_definition["States"]["IsMoveTaskDone"]["Choices"]
    quiet = [rule for rule in rules if rule["Next"] == "QuietReading"]

    # THEN only COMPLETED is quiet; FAILED and CANCELLED end the wait as failed, and the migration goes
    # back through validation to the gate instead of settling as if the DLQ had moved
    assert [rule["StringEquals"] for rule in quiet] == ["COMPLETED"]
    failed = next(rule for rule in rules if rule["Next"] == "MoveTaskFailed")
    assert {inner["StringEquals"] for inner in failed["Or"]} == {"FAILED", "CANCELLED"}
    routes = {
        rule.get("StringEquals"): rule["Next"] for rule in definition["States"]["RedriveRoute"]["Choices"]
    }
    assert routes["failed"] == "RedriveMoveTaskFailed"


def test_the_worst_case_history_of_every_execution_stays_far_below_the_quota(
    definition: dict[str, Any], wait_definition: dict[str, Any], segment_definition: dict[str, Any]
) -> None:
    # GIVEN the worst case of each definition for every allowed input (64 segments, every retry taken,
    # every wait and redrive at its bound)
    worst = migration_worst_cases(definition, wait_definition, segment_definition, max_segments=MAX_SEGMENTS)

    # THEN each one stays under 80 % of Step Functions' 25,000-event history quota
    assert worst.over_budget(HISTORY_QUOTA) == [], worst
    assert worst.migration > 1_000  # the model counted the loops (a regression to 0 would pass silently)


def test_backup_names_are_built_only_from_characters_dynamodb_accepts(definition: dict[str, Any]) -> None:
    # GIVEN the backup name expression: execution names may hold characters backup names refuse
    expression = definition["States"]["BackupLegacyTable"]["Parameters"]["BackupName.$"]

    # THEN the execution is hashed into it (hex), never quoted
    assert "States.Hash($$.Execution.Id, 'SHA-256')" in expression
    assert "$$.Execution.Name" not in expression


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
    # GIVEN the Setup states generated from migration_runtime/execution_input.py
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


@pytest.mark.parametrize("step", ["SegmentEnqueuePage", "ValidateMigration"])
def test_idempotent_function_steps_retry_a_crashed_worker_and_lambda_service_errors(
    definition: dict[str, Any], segment_definition: dict[str, Any], step: str
) -> None:
    # GIVEN the enqueue page (same cursor on a retry; in the segment child) or the validation (read only)
    state = {**segment_definition["States"], **definition["States"]}[step]
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
