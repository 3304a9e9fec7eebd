"""`--mapping NAME` of `local run` / `local up`: it picks the demo data and reaches the stack as its
``recordMapping`` config; a mapping without live traffic refuses ``--intake-rate``; the stack outputs name
the mapping and its lookup tables."""

from __future__ import annotations

import sys
import types
from dataclasses import MISSING, dataclass, fields
from typing import Any

import pytest

from demo_data.demo_set import DemoDataSet
from migration_cli.local_data_loading import write_lookup_items
from migration_cli.local_run_command import _options
from migration_cli.local_run_options import (
    RECORD_MAPPING_CONFIG_KEY,
    LocalRunError,
    LocalRunOptions,
    local_stack_config,
)
from migration_cli.main import build_parser, main
from migration_cli.stack_outputs import StackOutputs, StackOutputsError
from migration_runtime.lookup_tables import DynamoDbLookups, NoLookups
from migration_runtime.record_mapping import LookupTable

QUIET_MAPPING = "seam_cli_quiet"


@dataclass(frozen=True)
class QuietMapping:
    """A mapping whose demo data makes no live traffic."""

    name: str = QUIET_MAPPING
    record_id_field: str = "completion_id"
    record_kind: str = "COMPLETION"
    loggable_fields: tuple[str, ...] = ("completion_id",)
    personal_fields: tuple[tuple[str, ...], ...] = ()
    lookup_tables: tuple[LookupTable, ...] = (LookupTable("routines", "routine_id", "valid_from"),)

    def is_eligible(self, raw: Any) -> bool:
        return True

    def validate(self, raw: Any, *, now: Any) -> Any:
        return raw

    def transform(self, record: Any, lookups: Any) -> dict[str, Any]:
        return dict(record)

    def is_item(self, item: Any) -> bool:
        return False


@dataclass(frozen=True)
class QuietDemoData:
    mapping_name: str = QUIET_MAPPING

    def data_set(self, count: int, *, seed: str) -> DemoDataSet:
        return DemoDataSet([{"completion_id": f"c-{index}"} for index in range(count)])

    def intake_bodies(self, count: int, *, seed: str) -> list[str]:
        return []


@pytest.fixture
def quiet_mapping(monkeypatch: pytest.MonkeyPatch) -> str:
    mapping = types.ModuleType(f"record_mappings.{QUIET_MAPPING}.mapping")
    mapping.MAPPING = QuietMapping()  # type: ignore[attr-defined]
    demo = types.ModuleType(f"demo_data.{QUIET_MAPPING}_records")
    demo.DEMO_DATA = QuietDemoData()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mapping.__name__, mapping)
    monkeypatch.setitem(sys.modules, demo.__name__, demo)
    return QUIET_MAPPING


def test_mapping_defaults_to_onboarding_and_reaches_the_stack_config() -> None:
    # GIVEN `local run` without and with --mapping (the onboarding one: the only one the stack knows yet)
    parser = build_parser()
    default = _options(parser.parse_args(["local", "run"]))
    explicit = _options(
        parser.parse_args(["local", "run", "--mapping", "onboarding", "--stack-config", "x:y=1"])
    )

    # WHEN the local stack's config is built
    # THEN the mapping is its recordMapping, beside the local defaults and --stack-config
    assert default.mapping == "onboarding"
    assert local_stack_config(default)[RECORD_MAPPING_CONFIG_KEY] == "onboarding"
    config = local_stack_config(explicit)
    assert config[RECORD_MAPPING_CONFIG_KEY] == "onboarding" and config["x:y"] == 1
    assert RECORD_MAPPING_CONFIG_KEY == "onboarding-migration:recordMapping"


def test_local_up_takes_mapping_too() -> None:
    args = build_parser().parse_args(["local", "up", "--mapping", "onboarding", "--records", "5"])
    assert args.mapping == "onboarding"


def test_an_unknown_mapping_is_refused_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN `local run --mapping` names no mapping
    code = main(["local", "run", "--mapping", "nope"])

    # THEN one error line names it, and nothing was deployed (exit 2, at once)
    assert code == 2
    assert "error: no record mapping 'nope'" in capsys.readouterr().err


def test_live_intake_is_refused_for_a_mapping_without_live_traffic(quiet_mapping: str) -> None:
    # GIVEN the onboarding mapping accepts a live intake rate (the positive case)
    assert LocalRunOptions(online=True, intake_rate=5.0).intake_rate == 5.0

    # WHEN another mapping asks for one THEN it is refused, saying what to do instead
    with pytest.raises(ValueError, match=f"not available for the {quiet_mapping} mapping"):
        LocalRunOptions(mapping=quiet_mapping, online=True, intake_rate=5.0)
    assert LocalRunOptions(mapping=quiet_mapping, online=True).mapping == quiet_mapping


def test_a_contradicting_record_mapping_config_is_refused(quiet_mapping: str) -> None:
    with pytest.raises(ValueError, match="contradicts --mapping"):
        LocalRunOptions(mapping=quiet_mapping, stack_config={RECORD_MAPPING_CONFIG_KEY: "onboarding"})


def _outputs(**extra: str) -> dict[str, str]:
    """The outputs of a stack deployed before record mappings existed: every required field, no other."""
    names = [
        field.name
        for field in fields(StackOutputs)
        if field.default is MISSING and field.default_factory is MISSING
    ]
    return {**{name: f"value-of-{name}" for name in names}, **extra}


def test_stack_outputs_name_the_mapping_and_its_lookup_tables(quiet_mapping: str) -> None:
    # GIVEN outputs of a stack deployed before mappings existed, and of one running another mapping
    old = StackOutputs.from_mapping(_outputs())
    new = StackOutputs.from_mapping(
        _outputs(record_mapping=quiet_mapping, lookup_table_routines="routines-abc123")
    )

    # THEN the old one runs onboarding without lookups; the new one its mapping over its deployed tables
    assert old.mapping().name == "onboarding"
    assert isinstance(old.lookups(None, old.mapping()), NoLookups)
    assert new.mapping().name == quiet_mapping
    assert new.lookup_tables == {"routines": "routines-abc123"}
    assert isinstance(new.lookups(None, new.mapping()), DynamoDbLookups)
    with pytest.raises(StackOutputsError, match="lookup_table_routines"):
        old.lookups(None, new.mapping())


def test_lookup_items_for_a_table_the_stack_lacks_are_refused_before_any_write() -> None:
    # GIVEN no client at all: a write would fail differently
    with pytest.raises(LocalRunError, match="no lookup table for routines"):
        write_lookup_items(None, {"users": "users-1"}, {"routines": [{"routine_id": "r-1"}]})
