"""`start` builds its execution input from options and --set, checked against
migration_runtime.execution_input."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest

from migration_cli import execution_commands
from migration_cli.main import main
from migration_cli.migration_control import execution_input
from migration_runtime.execution_input import InvalidExecutionInput

OUTPUTS = {
    "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:migration",
}


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `start` would send to Step Functions, instead of sending it."""
    documents: list[dict[str, Any]] = []

    def start_migration(_client: Any, _arn: str, document: dict[str, Any]) -> str:
        documents.append(dict(document))
        return "arn:aws:states:us-east-1:123456789012:execution:migration:run-1"

    monkeypatch.setattr(execution_commands, "start_migration", start_migration)
    monkeypatch.setattr(execution_commands, "stack_target", lambda _args: (mock.Mock(), mock.Mock(**OUTPUTS)))
    return documents


def test_set_dry_run_true_is_not_overwritten_by_the_commands_own_defaults(
    started: list[dict[str, Any]],
) -> None:
    # WHEN dry_run is set only through --set
    assert main(["start", "--set", "dry_run=true", "--set", "segments=8"]) == 0

    # THEN it reaches the execution as a JSON boolean, untouched
    assert started == [{"dry_run": True, "segments": 8}]


def test_options_and_set_merge_when_they_agree(started: list[dict[str, Any]]) -> None:
    assert main(["start", "--dry-run", "--set", "dry_run=true", "--backup", "--poll-interval", "5"]) == 0
    assert started == [{"dry_run": True, "backup": True, "poll_interval_seconds": 5}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dry-run", "--set", "dry_run=false"], "error: dry_run is given twice with different values"),
        (["--segments", "4", "--set", "segments=8"], "error: segments is given twice with different values"),
        (["--set", "dry_run=yes"], "error: dry_run must be a boolean (true or false)"),
        (["--set", 'dry_run="true"'], "error: dry_run must be a boolean (true or false)"),
        (["--set", "segments=100"], "error: segments must be an integer from 1 to 64"),
        (["--segments", "0"], "error: segments must be an integer from 1 to 64"),
        (["--set", "segments=1.5"], "error: segments must be an integer from 1 to 64"),
        (["--set", "pause_timeout_seconds=-1"], "error: pause_timeout_seconds must be an integer from 0 to"),
        (["--set", "colour=blue"], "error: colour is not an execution input key"),
    ],
)
def test_a_bad_or_conflicting_input_is_a_usage_error_naming_the_key(
    started: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    # WHEN started with it / THEN exit 2, one error line naming the key, and nothing started
    assert main(["start", *argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert started == []


def test_the_input_is_json_all_the_way() -> None:
    # GIVEN a boolean given as 1 through --set while the option says true: not the same JSON value
    with pytest.raises(InvalidExecutionInput, match="given twice"):
        execution_input(dry_run=True, overrides={"dry_run": 1})
    assert json.dumps(execution_input(dry_run=True, overrides={"dry_run": True})) == '{"dry_run": true}'


def test_local_run_refuses_a_bad_input_before_it_deploys_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a local run that would fail the test if it started the runtime
    from migration_cli import local_run

    monkeypatch.setattr(local_run, "run_local_migration", mock.Mock(side_effect=AssertionError("started")))

    # WHEN asked for more segments than the state machine takes / THEN exit 2 naming the key
    assert main(["local", "run", "--segments", "100"]) == 2
    assert capsys.readouterr().err.strip() == "error: segments must be an integer from 1 to 64"
