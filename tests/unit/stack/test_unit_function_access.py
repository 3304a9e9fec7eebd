"""Each function's grants and environment as plain data (onboarding_stack/function_access.py): no mocks."""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING
from pathlib import Path

import pytest

from migration_runtime import settings as env
from onboarding_stack import function_names as fn
from onboarding_stack.function_access import (
    LookupTableResource,
    PipelineResources,
    ServingResources,
    pipeline_function_access,
    restore_serving_access,
)
from onboarding_stack.settings import config_keys, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _placeholders(cls: type) -> dict[str, str]:
    """Every field without a default, as a recognisable placeholder."""
    required = [f for f in dataclasses.fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    return {f.name: f"<{f.name}>" for f in required}


PIPELINE = PipelineResources(**_placeholders(PipelineResources))
SERVING = ServingResources(**_placeholders(ServingResources))
ENVIRONMENT_NAMES = {
    value for key, value in vars(env).items() if key.isupper() and not key.startswith("DEFAULT_")
}


class _NoConfig:
    """A `pulumi.Config` with only the name prefix set (else it would ask Pulumi for the stack name)."""

    def get(self, key: str) -> str | None:
        return "onboarding-unit" if key == "namePrefix" else None

    def get_int(self, key: str) -> None:
        return None

    get_bool = get_int
    get_object = get_int


@pytest.fixture(scope="module")
def default_settings():
    return load_settings(_NoConfig())  # type: ignore[arg-type]


def test_every_function_has_its_code_and_the_access_lists_name_them_all(default_settings):
    # GIVEN the access of every function
    access = {**pipeline_function_access(default_settings, PIPELINE), **restore_serving_access(SERVING)}

    # THEN it covers exactly the stack's functions, each with a folder of code under functions/
    assert tuple(access) == fn.ALL_FUNCTIONS
    for name in fn.ALL_FUNCTIONS:
        assert (PROJECT_ROOT / "functions" / name / "handler.py").is_file(), name


def test_every_grant_is_scoped_to_given_resources_only(default_settings):
    # GIVEN the resources, each as a recognisable placeholder
    given = {*_placeholders(PipelineResources).values(), *_placeholders(ServingResources).values()}

    # WHEN building the grants
    access = {**pipeline_function_access(default_settings, PIPELINE), **restore_serving_access(SERVING)}

    # THEN every statement allows named actions on given resources: no wildcard anywhere
    for name, function_access in access.items():
        assert function_access.statements, name
        for statement in function_access.statements:
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), (name, statement)
            assert set(statement["Resource"]) <= given, (name, statement)


def test_every_environment_variable_is_one_the_functions_read(default_settings):
    # GIVEN every function's environment
    access = {**pipeline_function_access(default_settings, PIPELINE), **restore_serving_access(SERVING)}

    # THEN each name is defined in migration_runtime/settings.py (where the handlers read it), none made
    # up here
    for name, function_access in access.items():
        assert set(function_access.environment) <= ENVIRONMENT_NAMES, name


def test_tunables_reach_the_environment_as_text(default_settings):
    # GIVEN settings with non-default retry and enqueue tunables
    tuned = dataclasses.replace(
        default_settings,
        retry_base_delay_seconds=7,
        retry_max_delay_seconds=70,
        max_receive_count=9,
        enqueue_time_reserve_ms=1234,
        enqueue_call_slice_seconds=3,
        records_per_message=4,
    )

    # WHEN building the pipeline's access
    access = pipeline_function_access(tuned, PIPELINE)

    # THEN each function gets the tuned values, as Lambda environment values (strings)
    assert access[fn.MIGRATE_RECORD].environment[env.RETRY_BASE_DELAY_SECONDS] == "7"
    assert access[fn.MIGRATE_RECORD].environment[env.RETRY_MAX_DELAY_SECONDS] == "70"
    assert access[fn.MIGRATE_RECORD].environment[env.MAX_RECEIVE_COUNT] == "9"
    assert access[fn.ENQUEUE_RECORDS].environment[env.ENQUEUE_TIME_RESERVE_MS] == "1234"
    assert access[fn.ENQUEUE_RECORDS].environment[env.ENQUEUE_CALL_SLICE_SECONDS] == "3"
    assert access[fn.ENQUEUE_RECORDS].environment[env.RECORDS_PER_MESSAGE] == "4"


def test_default_settings_equal_the_functions_own_defaults(default_settings):
    # THEN a stack without config deploys exactly what the code falls back to
    assert default_settings.max_receive_count == env.DEFAULT_MAX_RECEIVE_COUNT
    assert default_settings.retry_base_delay_seconds == env.DEFAULT_RETRY_BASE_DELAY_SECONDS
    assert default_settings.retry_max_delay_seconds == env.DEFAULT_RETRY_MAX_DELAY_SECONDS
    assert default_settings.enqueue_time_reserve_ms == env.DEFAULT_ENQUEUE_TIME_RESERVE_MS
    assert default_settings.enqueue_call_slice_seconds == env.DEFAULT_ENQUEUE_CALL_SLICE_SECONDS
    assert default_settings.records_per_message == env.DEFAULT_RECORDS_PER_MESSAGE
    assert default_settings.metrics_namespace == env.DEFAULT_METRICS_NAMESPACE


def test_the_config_keys_are_the_ones_load_settings_reads():
    # WHEN listing the keys
    keys = config_keys()

    # THEN every documented family is there, per function sizes included, and nothing else is invented
    assert {"namePrefix", "maxReceiveCount", "migrateMaxConcurrency", "intakeBatchSize"} <= keys
    assert {f"{name}TimeoutSeconds" for name in ("migrateRecord", "restoreServing")} <= keys
    assert "migrateMaxConcurency" not in keys


def test_a_mapping_with_lookups_gives_the_transforming_functions_read_access_and_the_table_names(
    default_settings,
):
    # GIVEN a mapping named workouts that reads two lookup tables
    pipeline = dataclasses.replace(
        PIPELINE,
        record_mapping="workouts",
        lookup_tables={
            "users": LookupTableResource("<users-name>", "<users-arn>"),
            "routines": LookupTableResource("<routines-name>", "<routines-arn>"),
        },
    )

    # WHEN building the access
    access = pipeline_function_access(default_settings, pipeline)

    # THEN every function loads that mapping
    assert {name: a.environment[env.RECORD_MAPPING] for name, a in access.items()} == dict.fromkeys(
        access, "workouts"
    )
    # AND exactly the three that transform records may GetItem and Query both lookup tables, by name
    readers = {
        name
        for name, a in access.items()
        for statement in a.statements
        if statement["Sid"] == "ReadLookupTables"
        and statement["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
        and statement["Resource"] == ["<users-arn>", "<routines-arn>"]
    }
    assert readers == {fn.ONBOARDING_INTAKE, fn.MIGRATE_RECORD, fn.VALIDATE_MIGRATION}
    for name in readers:
        assert access[name].environment["LOOKUP_TABLE_USERS"] == "<users-name>"
        assert access[name].environment["LOOKUP_TABLE_ROUTINES"] == "<routines-name>"
    assert "LOOKUP_TABLE_USERS" not in access[fn.ENQUEUE_RECORDS].environment


def test_an_adopted_service_gets_no_legacy_consumer_and_no_capture_without_a_stream(default_settings):
    # GIVEN an adopted service (its own consumer serves the legacy backend) whose table has no stream
    pipeline = dataclasses.replace(PIPELINE, owns_legacy_consumer=False, legacy_stream_arn=None)

    # WHEN building the access
    access = pipeline_function_access(default_settings, pipeline)

    # THEN neither legacy_intake nor the change capture is built; the rest is
    assert set(access) == set(fn.PIPELINE_FUNCTIONS) - {fn.LEGACY_INTAKE, fn.CAPTURE_LEGACY_CHANGES}


def test_the_validation_may_make_the_reads_its_online_re_verification_makes(default_settings):
    # GIVEN the validation's grants
    statements = pipeline_function_access(default_settings, PIPELINE)[fn.VALIDATE_MIGRATION].statements

    def granted(resource: str) -> set[str]:
        return {action for s in statements if resource in s["Resource"] for action in s["Action"]}

    # THEN the re-verification of changed records may batch-read both tables and the ledger, and query the
    # change marks by time (IAM checks BatchGetItem and Query as their own actions)
    legacy, new, control = PIPELINE.legacy_table_arn, PIPELINE.new_table_arn, PIPELINE.control_table_arn
    assert {"dynamodb:BatchGetItem"} <= granted(legacy) & granted(new)
    assert {"dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:BatchWriteItem"} <= granted(control)
