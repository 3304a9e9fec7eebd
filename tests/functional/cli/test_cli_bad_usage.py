"""A user mistake gets one `error:` line naming what is wrong and exit 2, never a traceback."""

from __future__ import annotations

import argparse

import pytest
from botocore.exceptions import ClientError

from migration_cli import execution_commands
from migration_cli.main import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse refuses usage errors by exiting
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["local", "run", "--records", "-5"], "--records"),
        (["local", "run", "--records", "many"], "--records"),
        (["local", "run", "--intake", "-1"], "--intake"),
        (["local", "run", "--fail-transient", "2"], "--fail-transient"),
        (["local", "run", "--fail-transient", "x"], "--fail-transient"),
        (["local", "run", "--max-redrives", "-1"], "--max-redrives"),
        (["local", "run", "--segments", "100"], "segments"),
        (["local", "run", "--stack-config", "noequals"], "--stack-config"),
        (
            ["local", "run", "--stack-config", "migrateMaxConcurency=4"],
            "onboarding-migration:migrateMaxConcurency",
        ),
        (["local", "preview", "--stack-config", "alarmMail=a@b.c"], "onboarding-migration:alarmMail"),
        (["local", "up", "--records", "-5"], "--records"),
        (["local", "up", "--stack-config", "intakeBatchSise=3"], "onboarding-migration:intakeBatchSise"),
        (["local", "up", "--records", "5", "--legacy-file", "x.jsonl"], "--legacy-file"),
        (["local", "up", "--outputs-file", "/nonexistent/local.json"], "--outputs-file"),
        (["start", "--set", "dry_run=yes", "--outputs", "x.json"], "dry_run"),
        (["report", "ID", "--outputs", "/nonexistent/outputs.json"], "outputs file"),
    ],
)
def test_bad_usage_is_one_error_line_and_exit_2(argv: list[str], named: str, capsys) -> None:
    # WHEN the command line is given a bad value
    code, err = run_cli(argv, capsys)

    # THEN it exits 2 with an error line naming the option, and no traceback
    assert code == 2, err
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and named in error_lines[0], err


def test_a_stack_config_the_program_refuses_is_an_error_line_before_any_migration(capsys) -> None:
    # GIVEN a tap the QueueConsumer component refuses (maximum concurrency must be 2..1000)
    # WHEN / THEN the deploy stops with one error line naming it, exit 2
    code, err = run_cli(
        ["local", "run", "--records", "1", "--stack-config", "migrateMaxConcurrency=1"], capsys
    )
    assert code == 2 and "Traceback" not in err
    assert "maximum_concurrency" in err and "error:" in err


def test_an_unknown_execution_is_named_not_a_traceback(capsys) -> None:
    # GIVEN a command whose execution Step Functions does not know
    def report(args: argparse.Namespace) -> int:
        raise ClientError(
            {"Error": {"Code": "ExecutionDoesNotExist", "Message": "nope"}}, "DescribeExecution"
        )

    handler = execution_commands.with_errors_handled(report)

    # WHEN / THEN
    assert handler(argparse.Namespace(execution="migration-x")) == 2
    assert "no execution 'migration-x'" in capsys.readouterr().err


def test_other_service_errors_are_not_hidden() -> None:
    def report(args: argparse.Namespace) -> int:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "DescribeExecution"
        )

    with pytest.raises(ClientError):
        execution_commands.with_errors_handled(report)(argparse.Namespace(execution="x"))


def test_version_is_printed(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("onboarding-migration ")
