"""The stack adopting a live service (under mocks): it creates only what the migration adds, references the
existing queue, table and mapping read-only, and may switch exactly that one existing mapping."""

from __future__ import annotations

import json
import logging
import zipfile
from typing import Any

import pytest

from components.migration_state_machine import event_source_mapping_arn
from embedded_aws.stack_deploy.lookups import GET_QUEUE, GET_TABLE, described_table
from onboarding_stack.legacy_service import ExistingServiceError
from onboarding_stack.settings import StackSettingError
from tests.functional.stack.pulumi_harness import ACCOUNT, REGION, CapturedStack, run_program, statements

QUEUE = "live-intake"
TABLE = "live-applications"
UUID = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
ADOPT = {
    "existingIntakeQueueArn": QUEUE_ARN,
    "existingLegacyTableName": TABLE,
    "existingLegacyMappingUuid": UUID,
}
LIVE_TABLE = described_table(TABLE, TABLE_ARN, "application_id", stream_view_type="NEW_AND_OLD_IMAGES")


def adopt(config: dict[str, str] | None = None, table: dict[str, Any] = LIVE_TABLE) -> CapturedStack:
    return run_program({**ADOPT, **(config or {})}, existing_queues=(QUEUE,), existing_tables={TABLE: table})


@pytest.fixture(scope="module")
def adopted() -> CapturedStack:
    return adopt()


def state_machine_policy(stack: CapturedStack) -> dict[str, Any]:
    policy = stack.one("aws:iam/rolePolicy:RolePolicy", name="migration-access")
    return json.loads(policy.inputs["policy"])


def test_none_of_the_existing_resources_is_created(adopted: CapturedStack, stack: CapturedStack):
    # THEN the live queue and table are only looked up, never registered
    assert {token for token, _ in adopted.calls} >= {GET_QUEUE, GET_TABLE}
    assert [args["name"] for token, args in adopted.calls if token == GET_TABLE] == [TABLE]
    names = {resource.name for resource in adopted.resources}
    assert not {"intake", "intake-queue", "intake-dlq", "legacy", "legacy-table"} & names
    # AND no consumer of the legacy backend is built (its own mapping serves), the new one is, disabled
    mappings = adopted.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert {mapping.name for mapping in mappings} == {
        "onboarding-intake-mapping",
        "migrate-record-mapping",
        "capture-legacy-changes-mapping",
    }
    new = next(mapping for mapping in mappings if mapping.name == "onboarding-intake-mapping")
    assert (new.inputs["eventSourceArn"], new.inputs["enabled"]) == (QUEUE_ARN, False)
    assert "legacy_intake_function_name" not in adopted.exports
    # AND the own shape (for contrast) does create all three
    assert {"intake-queue", "legacy-table", "legacy-intake-mapping"} <= {r.name for r in stack.resources}


def test_the_outputs_name_the_live_resources(adopted: CapturedStack):
    assert adopted.exports["legacy_service"] == "adopted"
    assert adopted.exports["intake_queue_arn"] == QUEUE_ARN
    assert adopted.exports["legacy_table_name"] == TABLE
    assert adopted.exports["legacy_mapping_uuid"] == UUID
    # AND the new consumer's rejections go to a queue of this stack, not to the live queue's DLQ
    rejections = adopted.one("aws:sqs/queue:Queue", url=adopted.exports["intake_dlq_url"])
    assert rejections.name == "intake-rejections"


def test_the_state_machine_may_switch_exactly_the_adopted_mapping_and_its_own(adopted: CapturedStack):
    # GIVEN the state machine's mapping statement
    statement = next(
        s for s in statements(state_machine_policy(adopted)) if s["Sid"] == "PauseAndResumeConsumers"
    )

    # THEN its resources are the adopted mapping's ARN and the stack's own two mappings, nothing else
    own = [adopted.exports["new_mapping_uuid"], adopted.exports["capture_mapping_uuid"]]
    assert sorted(statement["Resource"]) == sorted(
        event_source_mapping_arn(REGION, ACCOUNT, uuid) for uuid in [UUID, *own]
    )
    # AND the watchdog likewise
    watchdog = adopted.one("aws:iam/rolePolicy:RolePolicy", name="restore-serving-access")
    restore = next(
        s for s in statements(json.loads(watchdog.inputs["policy"])) if s["Sid"] == "RestoreServingMapping"
    )
    assert sorted(restore["Resource"]) == sorted(statement["Resource"])


def test_the_sentinels_and_grants_name_the_live_table(adopted: CapturedStack):
    sentinel = next(
        s for s in statements(state_machine_policy(adopted)) if s["Sid"] == "WriteSentinelsToLegacyTable"
    )
    assert sentinel["Resource"] == [TABLE_ARN]
    definition = adopted.one("aws:sfn/stateMachine:StateMachine", name="migration-state-machine")
    assert '"application_id":{"S' in definition.inputs["definition"]


def test_a_table_keyed_otherwise_than_the_mapping_is_refused_before_anything_is_created():
    # GIVEN a live table keyed by another attribute
    table = described_table(TABLE, TABLE_ARN, "id", stream_view_type="NEW_AND_OLD_IMAGES")

    # WHEN adopting it THEN the error names the key the mapping expects
    with pytest.raises(ExistingServiceError, match="keyed by 'application_id' alone"):
        adopt(table=table)


@pytest.mark.parametrize("stream_view_type", [None, "KEYS_ONLY"])
def test_a_table_without_a_stream_of_both_images_is_adopted_for_offline_runs_only(
    stream_view_type: str | None, adopted: CapturedStack, caplog: pytest.LogCaptureFixture
):
    # GIVEN a live table without a stream, or with a stream of another view
    table = described_table(TABLE, TABLE_ARN, "application_id", stream_view_type=stream_view_type)

    # WHEN adopting it
    with caplog.at_level(logging.WARNING):
        stack = adopt(table=table)

    # THEN the stack builds no change capture: no stream mapping, no capture function, no capture exports
    mappings = {m.name for m in stack.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")}
    assert mappings == {"onboarding-intake-mapping", "migrate-record-mapping"}
    assert not [f.name for f in stack.of_type("aws:lambda/function:Function") if "capture" in f.name]
    assert not [name for name in stack.exports if "capture" in name or name == "legacy_stream_arn"]
    # ... while the stack with a stream (for contrast) has all of it
    assert "capture-legacy-changes-mapping" in {m.name for m in adopted.resources}
    assert {"capture_mapping_uuid", "legacy_stream_arn"} <= set(adopted.exports)
    # AND a warning says online mode is unavailable and how to enable it
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(
        "online mode is unavailable" in message
        and f"update-table --table-name {TABLE} --stream-specification "
        "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
        in message
        for message in warnings
    ), warnings
    # AND the state machine knows it has no capture, and neither it nor the watchdog may touch a capture
    # mapping or write sentinels to the live table
    machine = stack.one("aws:sfn/stateMachine:StateMachine", name="migration-state-machine")
    states = json.loads(machine.inputs["definition"])["States"]
    assert states["SetupState"]["Parameters"]["capture_available.$"] == "States.StringToJson('false')"
    grants = {s["Sid"]: s for s in statements(state_machine_policy(stack))}
    assert "WriteSentinelsToLegacyTable" not in grants
    mapping_arns = [
        event_source_mapping_arn(REGION, ACCOUNT, uuid) for uuid in (UUID, stack.exports["new_mapping_uuid"])
    ]
    assert sorted(grants["PauseAndResumeConsumers"]["Resource"]) == sorted(mapping_arns)
    watchdog = stack.one("aws:iam/rolePolicy:RolePolicy", name="restore-serving-access")
    restore = next(
        s for s in statements(json.loads(watchdog.inputs["policy"])) if s["Sid"] == "RestoreServingMapping"
    )
    assert sorted(restore["Resource"]) == sorted(mapping_arns)
    function = stack.one("aws:lambda/function:Function", name=stack.exports["restore_serving_function_name"])
    assert "CAPTURE_MAPPING_UUID" not in function.inputs["environment"]["variables"]


def test_a_table_with_a_stream_of_both_images_gets_the_capture(adopted: CapturedStack):
    machine = adopted.one("aws:sfn/stateMachine:StateMachine", name="migration-state-machine")
    states = json.loads(machine.inputs["definition"])["States"]
    assert states["SetupState"]["Parameters"]["capture_available.$"] == "States.StringToJson('true')"
    function = adopted.one(
        "aws:lambda/function:Function", name=adopted.exports["restore_serving_function_name"]
    )
    variables = function.inputs["environment"]["variables"]
    assert variables["CAPTURE_MAPPING_UUID"] == adopted.exports["capture_mapping_uuid"]


def test_a_partial_adoption_is_refused():
    with pytest.raises(ValueError, match="missing: existingLegacyTableName"):
        run_program({"existingIntakeQueueArn": QUEUE_ARN, "existingLegacyMappingUuid": UUID})


def test_keys_left_in_the_former_namespace_are_refused():
    from embedded_aws.stack_deploy.program import run_program as run_project_program
    from tests.functional.stack.pulumi_harness import PROJECT_DIR, stack_mocks

    with pytest.raises(StackSettingError, match="former namespace 'onboarding'"):
        run_project_program(PROJECT_DIR, stack_mocks(), "test", {"onboarding:maxReceiveCount": "3"})


@pytest.mark.parametrize("fault_injection", [False, True])
def test_the_archives_hold_the_runtime_the_chosen_mapping_and_fault_injection_only_when_asked(
    fault_injection: bool,
):
    # GIVEN the stack built with faultInjection off, then on
    built = run_program({"faultInjection": "true" if fault_injection else "false"})

    # WHEN reading each function's archive
    for function in built.of_type("aws:lambda/function:Function"):
        code = function.inputs["code"]
        path = code.path if hasattr(code, "path") else code["path"]
        with zipfile.ZipFile(path) as archive:
            tops = {name.split("/")[0] for name in archive.namelist()}
            names = set(archive.namelist())

        # THEN it holds the runtime and the onboarding mapping, no demo data, fault injection per config
        assert {"handler.py", "migration_runtime", "record_mappings"} <= tops, function.name
        assert "record_mappings/onboarding/mapping.py" in names
        assert "demo_data" not in tops
        assert ("fault_injection" in tops) is fault_injection


def test_setup_checks_the_live_queue_and_mapping_with_grants_on_those_alone(adopted: CapturedStack):
    # GIVEN the adopted stack's migration definition and its state machine's grants
    machine = adopted.one("aws:sfn/stateMachine:StateMachine", name="migration-state-machine")
    states = json.loads(machine.inputs["definition"])["States"]
    grants = {s["Sid"]: s for s in statements(state_machine_policy(adopted))}

    # THEN Setup reads the live queue and the live mapping, and compares with this stack's minimum:
    # 6 x the new intake consumer's timeout (30 s by default)
    read_queue, read_mapping = states["SetupReadIntakeQueue"], states["SetupReadLegacyMapping"]
    assert read_queue["Parameters"]["QueueUrl"] == adopted.exports["intake_queue_url"]
    assert "States.StringToJson('180')" in read_queue["ResultSelector"]["minimum_visibility_timeout.$"]
    assert read_mapping["Parameters"] == {"Uuid": UUID}
    on_queue = states["SetupCheckLegacyService"]["Choices"][-1]
    assert on_queue["Not"] == {"Variable": "$.legacy_mapping.event_source_arn", "StringEquals": QUEUE_ARN}
    # AND the role may read the queue's attributes on the live queue (and its own migration queue) only,
    # and the live mapping among exactly the mappings it switches
    assert QUEUE_ARN in grants["ReadQueueDepths"]["Resource"]
    assert len(grants["ReadQueueDepths"]["Resource"]) == 2
    assert event_source_mapping_arn(REGION, ACCOUNT, UUID) in grants["PauseAndResumeConsumers"]["Resource"]


def test_the_minimum_visibility_timeout_follows_the_new_consumer_timeout():
    # GIVEN a slower new intake consumer
    stack = adopt({"onboardingIntakeTimeoutSeconds": "45"})

    # THEN Setup asks the live queue for 6 x 45 s
    machine = stack.one("aws:sfn/stateMachine:StateMachine", name="migration-state-machine")
    states = json.loads(machine.inputs["definition"])["States"]
    selector = states["SetupReadIntakeQueue"]["ResultSelector"]
    assert selector["minimum_visibility_timeout.$"] == "States.StringToJson('270')"
