"""The `config:` schema of Pulumi.yaml and `load_settings` describe the same keys, types and defaults; the
adoption and mapping keys are checked before anything is created."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from onboarding_stack.existing_service import AdoptionConfigError, queue_name_of
from onboarding_stack.settings import (
    CONFIG_NAMESPACE,
    StackSettingError,
    config_keys,
    load_settings,
)

PROJECT_DIR = Path(__file__).resolve().parents[3]
PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text(encoding="utf-8"))
SCHEMA: dict[str, dict[str, Any]] = PROJECT["config"]
# An object: a Pulumi.yaml schema type may only be string, integer, boolean or array (pulumi/pulumi#11321).
UNDECLARED = {"existingLookupTables"}
ADOPTION = {
    "existingIntakeQueueArn": "arn:aws:sqs:eu-west-1:123456789012:live-intake",
    "existingLegacyTableName": "live-applications",
    "existingLegacyMappingUuid": "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
}


class TextConfig:
    """A config answering from strings, as Pulumi hands values to a program; notes the getter per key."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.getters: dict[str, str] = {}

    def _raw(self, key: str, getter: str) -> str | None:
        self.getters[key] = getter
        return self.values.get(key)

    def get(self, key: str) -> str | None:
        return self._raw(key, "string")

    def get_int(self, key: str) -> int | None:
        raw = self._raw(key, "integer")
        return None if raw is None else int(raw)

    def get_bool(self, key: str) -> bool | None:
        raw = self._raw(key, "boolean")
        return None if raw is None else raw == "true"

    def get_object(self, key: str) -> Any:
        raw = self._raw(key, "object")
        return None if raw is None else json.loads(raw)


def settings_with(values: dict[str, str]) -> Any:
    return load_settings(TextConfig({"namePrefix": "test", **values}))  # type: ignore[arg-type]


def as_config_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def test_the_project_namespace_is_the_project_name():
    # THEN keys set without a namespace (`pulumi config set maxReceiveCount 5`) reach the stack
    assert PROJECT["name"] == CONFIG_NAMESPACE


def test_the_schema_declares_every_key_load_settings_reads_and_no_other():
    # THEN the schema and the program cannot drift apart
    assert set(SCHEMA) == config_keys() - UNDECLARED
    for key, declaration in SCHEMA.items():
        assert declaration["description"].strip(), key
        assert "default" in declaration, f"{key} without a default would be required by Pulumi"


def test_each_declared_type_is_the_getter_load_settings_uses():
    # WHEN load_settings reads an empty config
    config = TextConfig({})
    load_settings(config)  # type: ignore[arg-type]

    # THEN every key is read with the getter of its declared type
    assert {key: config.getters[key] for key in SCHEMA} == {key: d["type"] for key, d in SCHEMA.items()}
    assert config.getters["existingLookupTables"] == "object"


def test_the_declared_defaults_are_what_the_program_assumes_when_a_key_is_unset():
    # GIVEN every default of the schema, set explicitly as Pulumi would apply them
    defaults = {key: as_config_text(d["default"]) for key, d in SCHEMA.items() if key != "namePrefix"}

    # WHEN the settings are read with them and without them
    explicit, implicit = settings_with(defaults), settings_with({})

    # THEN nothing differs (an empty string means "unset")
    assert explicit == implicit
    assert implicit.record_mapping == "onboarding"
    assert implicit.fault_injection is False
    assert implicit.existing is None


def test_the_example_stack_file_only_sets_known_keys():
    # GIVEN the example stack config
    example = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml.example").read_text(encoding="utf-8"))["config"]

    # THEN each project key is one the stack reads, and the three adoption keys are all there
    project_keys = {key.split(":", 1)[1] for key in example if key.startswith(f"{CONFIG_NAMESPACE}:")}
    assert project_keys <= config_keys()
    assert set(ADOPTION) <= project_keys


def test_an_unknown_record_mapping_is_refused_with_the_key_named():
    # WHEN the mapping does not exist
    with pytest.raises(StackSettingError, match=r"recordMapping.*no record mapping 'payroll'"):
        settings_with({"recordMapping": "payroll"})


@pytest.mark.parametrize("value", ["0", "101"])
def test_records_per_message_out_of_range_is_refused_with_the_key_named(value: str):
    with pytest.raises(StackSettingError, match=r"recordsPerMessage: must be 1\.\.100"):
        settings_with({"recordsPerMessage": value})


def test_records_per_message_within_range_is_taken():
    assert settings_with({"recordsPerMessage": "1"}).records_per_message == 1
    assert settings_with({"recordsPerMessage": "100"}).records_per_message == 100


def test_adoption_takes_all_three_keys_and_names_the_missing_ones():
    # WHEN only two are set
    partial = {key: value for key, value in ADOPTION.items() if key != "existingLegacyMappingUuid"}
    with pytest.raises(AdoptionConfigError, match="missing: existingLegacyMappingUuid"):
        settings_with(partial)


def test_the_adopted_service_is_read_from_an_arn_or_a_url():
    # WHEN the queue is given by ARN, then by URL
    by_arn = settings_with(ADOPTION).existing
    by_url = settings_with(
        {**ADOPTION, "existingIntakeQueueArn": "https://sqs.eu-west-1.amazonaws.com/123456789012/live-intake"}
    ).existing

    # THEN both name the same queue, with the table and the mapping as given
    assert by_arn == by_url
    assert by_arn is not None
    assert (by_arn.intake_queue_name, by_arn.legacy_table_name) == ("live-intake", "live-applications")
    assert by_arn.legacy_mapping_uuid == ADOPTION["existingLegacyMappingUuid"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("existingIntakeQueueArn", "live-intake", r"ARN .* or URL"),
        ("existingLegacyMappingUuid", "not-a-uuid", "event source mapping UUID"),
    ],
)
def test_malformed_adoption_values_are_refused(key: str, value: str, message: str):
    with pytest.raises(AdoptionConfigError, match=message):
        settings_with({**ADOPTION, key: value})


def test_lookup_tables_without_adoption_are_refused():
    with pytest.raises(AdoptionConfigError, match="only applies when adopting"):
        settings_with({"existingLookupTables": json.dumps({"routines": "t"})})


def test_a_lookup_table_the_mapping_does_not_read_is_refused():
    # GIVEN the onboarding mapping, which reads no lookup table
    with pytest.raises(AdoptionConfigError, match="does not read"):
        settings_with({**ADOPTION, "existingLookupTables": json.dumps({"routines": "t"})})


def test_queue_names_from_local_emulator_urls_too():
    assert queue_name_of("http://127.0.0.1:5000/123456789012/intake-queue-1a2b") == "intake-queue-1a2b"
