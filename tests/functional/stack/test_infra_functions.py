"""Functions of the whole stack: runtime, logs, tracing, Powertools layer and environment, one role each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from migration_runtime import settings as env
from tests.functional.stack.pulumi_harness import FUNCTION_NAMES, REGION, CapturedStack, RegisteredResource

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
PINNED_POWERTOOLS = "3.37.0"

# What each function reads (names from migration_runtime/settings.py, where the functions read them), and
# which
# export holds the value.
CONTRACT_ENVIRONMENT: Mapping[str, Mapping[str, str]] = {
    "legacy_intake": {env.LEGACY_TABLE_NAME: "legacy_table_name", env.INTAKE_DLQ_URL: "intake_dlq_url"},
    "onboarding_intake": {
        env.NEW_TABLE_NAME: "new_table_name",
        env.INTAKE_DLQ_URL: "intake_dlq_url",
        env.CONTROL_TABLE_NAME: "control_table_name",
    },
    "enqueue_records": {
        env.LEGACY_TABLE_NAME: "legacy_table_name",
        env.MIGRATION_QUEUE_URL: "migration_queue_url",
        env.CONTROL_TABLE_NAME: "control_table_name",
    },
    "migrate_record": {
        env.NEW_TABLE_NAME: "new_table_name",
        env.CONTROL_TABLE_NAME: "control_table_name",
        env.MIGRATION_QUEUE_URL: "migration_queue_url",
    },
    "validate_migration": {
        env.LEGACY_TABLE_NAME: "legacy_table_name",
        env.NEW_TABLE_NAME: "new_table_name",
        env.CONTROL_TABLE_NAME: "control_table_name",
        env.MIGRATION_DLQ_URL: "migration_dlq_url",
        env.INTAKE_DLQ_URL: "intake_dlq_url",
    },
    "capture_legacy_changes": {
        env.MIGRATION_QUEUE_URL: "migration_queue_url",
        env.CONTROL_TABLE_NAME: "control_table_name",
        # where the catch-up sentinels go, and the stream whose shards they must each reach
        env.LEGACY_TABLE_NAME: "legacy_table_name",
        env.LEGACY_STREAM_ARN: "legacy_stream_arn",
    },
    "restore_serving": {
        env.CONTROL_TABLE_NAME: "control_table_name",
        env.LEGACY_MAPPING_UUID: "legacy_mapping_uuid",
        env.NEW_MAPPING_UUID: "new_mapping_uuid",
        env.CAPTURE_MAPPING_UUID: "capture_mapping_uuid",
        env.GATE_TOPIC_ARN: "gate_topic_arn",
    },
}
# The stack's defaults are the functions' own defaults (a stack without config behaves as the code expects).
CONTRACT_DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "enqueue_records": {
        env.ENQUEUE_TIME_RESERVE_MS: str(env.DEFAULT_ENQUEUE_TIME_RESERVE_MS),
        env.ENQUEUE_CALL_SLICE_SECONDS: str(env.DEFAULT_ENQUEUE_CALL_SLICE_SECONDS),
        env.RECORDS_PER_MESSAGE: str(env.DEFAULT_RECORDS_PER_MESSAGE),
    },
    "migrate_record": {
        env.RETRY_BASE_DELAY_SECONDS: str(env.DEFAULT_RETRY_BASE_DELAY_SECONDS),
        env.RETRY_MAX_DELAY_SECONDS: str(env.DEFAULT_RETRY_MAX_DELAY_SECONDS),
        env.MAX_RECEIVE_COUNT: str(env.DEFAULT_MAX_RECEIVE_COUNT),
        env.FAULT_TRANSIENT_RATE: "0",
        env.FAULT_PERMANENT_IDS: "",
    },
}


def function(stack: CapturedStack, name: str) -> RegisteredResource:
    return stack.one(FUNCTION, name=stack.exports[f"{name}_function_name"])


def test_every_function_runs_python312_handler_with_json_logs_and_active_tracing(stack: CapturedStack):
    for name in FUNCTION_NAMES:
        # GIVEN a function of the contract
        inputs = function(stack, name).inputs

        # THEN it runs the thin handler at the archive root on python3.12, with JSON logs and X-Ray
        assert inputs["runtime"] == "python3.12"
        assert inputs["handler"] == "handler.lambda_handler"
        assert inputs["architectures"] == ["x86_64"]
        assert inputs["tracingConfig"] == {"mode": "Active"}
        assert inputs["loggingConfig"]["logFormat"] == "JSON"
        assert inputs["sourceCodeHash"]


def test_every_function_logs_to_its_own_log_group_with_retention(stack: CapturedStack):
    for name in FUNCTION_NAMES:
        # GIVEN a function and the log group named after it
        resource = function(stack, name)
        expected_group = f"/aws/lambda/{resource.inputs['name']}"
        group = stack.one(LOG_GROUP, name=expected_group)

        # THEN the function writes there, and the group keeps logs 30 days and exists before the function
        assert resource.inputs["loggingConfig"]["logGroup"] == expected_group
        assert group.inputs["retentionInDays"] == 30
        assert group.urn in resource.dependencies


def test_every_function_uses_the_powertools_layer_of_the_pinned_release(stack: CapturedStack):
    # GIVEN the invokes the program made
    lookups = [args["name"] for token, args in stack.calls if token == "aws:ssm/getParameter:getParameter"]

    # THEN the layer ARN was resolved once, for the pinned aws-lambda-powertools release, and every
    # function carries exactly that layer
    assert lookups == [f"/aws/service/powertools/python/x86_64/python3.12/{PINNED_POWERTOOLS}"]
    layers = {tuple(function(stack, name).inputs["layers"]) for name in FUNCTION_NAMES}
    assert layers == {
        (
            f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:"
            f"ssm-{PINNED_POWERTOOLS}",
        )
    }


def test_an_explicit_layer_version_builds_the_regional_arn_without_lookup(
    run_stack: Callable[[Mapping[str, str]], CapturedStack],
):
    # GIVEN an operator who pins the layer version number
    configured = run_stack({"powertoolsLayerVersion": "42"})

    # THEN no SSM lookup happens and the ARN is the documented format for the stack's region
    assert [token for token, _ in configured.calls if token.startswith("aws:ssm")] == []
    assert function(configured, "migrate_record").inputs["layers"] == [
        f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:42"
    ]


def test_every_function_gets_powertools_settings_and_exactly_its_contract_variables(stack: CapturedStack):
    for name in FUNCTION_NAMES:
        # GIVEN a function's environment
        variables = dict(function(stack, name).inputs["environment"]["variables"])

        # WHEN separating the Powertools settings
        powertools = {key: variables.pop(key) for key in list(variables) if key.startswith("POWERTOOLS_")}

        # THEN Powertools is configured, and the rest is exactly the contract, pointing at the right resources
        assert powertools == {
            "POWERTOOLS_SERVICE_NAME": name,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            env.POWERTOOLS_METRICS_NAMESPACE: env.DEFAULT_METRICS_NAMESPACE,
        }
        expected = {key: stack.exports[export] for key, export in CONTRACT_ENVIRONMENT[name].items()}
        # every function is told the record mapping it loads
        assert variables == {**expected, **CONTRACT_DEFAULTS.get(name, {}), env.RECORD_MAPPING: "onboarding"}


def test_function_sizes_and_log_level_come_from_config(
    run_stack: Callable[[Mapping[str, str]], CapturedStack],
):
    # GIVEN an operator who resizes migrate_record and raises the log level
    configured = run_stack(
        {"migrateRecordMemoryMb": "512", "migrateRecordTimeoutSeconds": "45", "logLevel": "DEBUG"}
    )

    # WHEN the stack is built
    migrate = function(configured, "migrate_record").inputs
    legacy = function(configured, "legacy_intake").inputs

    # THEN only migrate_record changes size, and every function logs at DEBUG
    assert (migrate["memorySize"], migrate["timeout"]) == (512, 45)
    assert (legacy["memorySize"], legacy["timeout"]) == (256, 30)
    assert migrate["environment"]["variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert legacy["environment"]["variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"


def test_every_function_has_its_own_role_assumable_only_by_lambda(stack: CapturedStack):
    # GIVEN the roles the functions run with, and every role Lambda may assume
    roles = [function(stack, name).inputs["role"] for name in FUNCTION_NAMES]
    lambda_trust = [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    lambda_roles = {
        role.outputs["arn"]
        for role in stack.of_type(ROLE)
        if json.loads(role.inputs["assumeRolePolicy"])["Statement"] == lambda_trust
    }

    # THEN there is one distinct role per function, each trusting Lambda alone, and no spare Lambda role
    assert len(set(roles)) == len(FUNCTION_NAMES)
    assert lambda_roles == set(roles)
