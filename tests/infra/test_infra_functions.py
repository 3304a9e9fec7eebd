"""Functions of the whole stack: runtime, logs, tracing, Powertools layer and environment, one role each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from tests.infra.pulumi_harness import FUNCTION_NAMES, REGION, CapturedStack, RegisteredResource

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
PINNED_POWERTOOLS = "3.37.0"

# What each function reads (names in onboarding/settings.py, set by __main__.py), and which export holds the
# value.
CONTRACT_ENVIRONMENT: Mapping[str, Mapping[str, str]] = {
    "legacy_intake": {"LEGACY_TABLE_NAME": "legacy_table_name", "INTAKE_DLQ_URL": "intake_dlq_url"},
    "onboarding_intake": {"NEW_TABLE_NAME": "new_table_name", "INTAKE_DLQ_URL": "intake_dlq_url"},
    "enqueue_records": {
        "LEGACY_TABLE_NAME": "legacy_table_name",
        "MIGRATION_QUEUE_URL": "migration_queue_url",
        "CONTROL_TABLE_NAME": "control_table_name",
    },
    "migrate_record": {
        "NEW_TABLE_NAME": "new_table_name",
        "CONTROL_TABLE_NAME": "control_table_name",
        "MIGRATION_QUEUE_URL": "migration_queue_url",
    },
    "validate_migration": {
        "LEGACY_TABLE_NAME": "legacy_table_name",
        "NEW_TABLE_NAME": "new_table_name",
        "CONTROL_TABLE_NAME": "control_table_name",
        "MIGRATION_DLQ_URL": "migration_dlq_url",
        "INTAKE_DLQ_URL": "intake_dlq_url",
    },
    "restore_serving": {
        "CONTROL_TABLE_NAME": "control_table_name",
        "LEGACY_MAPPING_UUID": "legacy_mapping_uuid",
        "NEW_MAPPING_UUID": "new_mapping_uuid",
        "GATE_TOPIC_ARN": "gate_topic_arn",
    },
}
CONTRACT_DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "enqueue_records": {"ENQUEUE_TIME_RESERVE_MS": "10000", "ENQUEUE_CALL_SLICE_SECONDS": "20"},
    "migrate_record": {
        "RETRY_BASE_DELAY_SECONDS": "2",
        "RETRY_MAX_DELAY_SECONDS": "120",
        "MAX_RECEIVE_COUNT": "5",
        "FAULT_TRANSIENT_RATE": "0",
        "FAULT_PERMANENT_IDS": "",
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
            "POWERTOOLS_METRICS_NAMESPACE": "OnboardingMigration",
        }
        expected = {key: stack.exports[export] for key, export in CONTRACT_ENVIRONMENT[name].items()}
        assert variables == {**expected, **CONTRACT_DEFAULTS.get(name, {})}


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
