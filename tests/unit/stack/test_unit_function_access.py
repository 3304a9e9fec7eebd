"""Each function's grants and environment as plain data (onboarding_stack/function_access.py): no mocks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from migration_runtime import settings as env
from onboarding_stack import function_names as fn
from onboarding_stack.function_access import (
    PipelineResources,
    ServingResources,
    pipeline_function_access,
    restore_serving_access,
)
from onboarding_stack.settings import config_keys, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PIPELINE = PipelineResources(**{f.name: f"<{f.name}>" for f in dataclasses.fields(PipelineResources)})
SERVING = ServingResources(**{f.name: f"<{f.name}>" for f in dataclasses.fields(ServingResources)})
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
    given = {*vars(PIPELINE).values(), *vars(SERVING).values()}

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
    )

    # WHEN building the pipeline's access
    access = pipeline_function_access(tuned, PIPELINE)

    # THEN each function gets the tuned values, as Lambda environment values (strings)
    assert access[fn.MIGRATE_RECORD].environment[env.RETRY_BASE_DELAY_SECONDS] == "7"
    assert access[fn.MIGRATE_RECORD].environment[env.RETRY_MAX_DELAY_SECONDS] == "70"
    assert access[fn.MIGRATE_RECORD].environment[env.MAX_RECEIVE_COUNT] == "9"
    assert access[fn.ENQUEUE_RECORDS].environment[env.ENQUEUE_TIME_RESERVE_MS] == "1234"
    assert access[fn.ENQUEUE_RECORDS].environment[env.ENQUEUE_CALL_SLICE_SECONDS] == "3"


def test_default_settings_equal_the_functions_own_defaults(default_settings):
    # THEN a stack without config deploys exactly what the code falls back to
    assert default_settings.max_receive_count == env.DEFAULT_MAX_RECEIVE_COUNT
    assert default_settings.retry_base_delay_seconds == env.DEFAULT_RETRY_BASE_DELAY_SECONDS
    assert default_settings.retry_max_delay_seconds == env.DEFAULT_RETRY_MAX_DELAY_SECONDS
    assert default_settings.enqueue_time_reserve_ms == env.DEFAULT_ENQUEUE_TIME_RESERVE_MS
    assert default_settings.enqueue_call_slice_seconds == env.DEFAULT_ENQUEUE_CALL_SLICE_SECONDS
    assert default_settings.metrics_namespace == env.DEFAULT_METRICS_NAMESPACE


def test_the_config_keys_are_the_ones_load_settings_reads():
    # WHEN listing the keys
    keys = config_keys()

    # THEN every documented family is there, per function sizes included, and nothing else is invented
    assert {"namePrefix", "maxReceiveCount", "migrateMaxConcurrency", "intakeBatchSize"} <= keys
    assert {f"{name}TimeoutSeconds" for name in ("migrateRecord", "restoreServing")} <= keys
    assert "migrateMaxConcurency" not in keys
