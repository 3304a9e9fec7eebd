"""Every subcommand's --help has a description line and an example, and the status words agree."""

from __future__ import annotations

import argparse
import io

import pytest

from migration_cli.main import build_parser
from migration_cli.progress import ExecutionWatcher, ProgressPrinter
from migration_cli.report_status import report_status


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found[f"{prefix}{name}"] = child
                found.update(_subcommands(child, f"{prefix}{name} "))
    return found


SUBCOMMANDS = _subcommands(build_parser())


def test_every_command_is_listed():
    assert {"start", "status", "watch", "approve", "report", "redrive", "plan"} <= set(SUBCOMMANDS)
    assert {"local up", "local run", "local preview"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_help_has_a_description_and_an_example(name: str):
    # WHEN the subcommand's help is formatted
    text = SUBCOMMANDS[name].format_help()

    # THEN it describes the command and shows one way to call it
    assert SUBCOMMANDS[name].description, name
    assert "example: onboarding-migration " in text, name


class _RolledBackExecution:
    """Step Functions and SQS as the watcher sees them after a rollback: no history, empty queues."""

    def describe_execution(self, executionArn: str) -> dict:
        return {"status": "FAILED", "error": "Migration.RolledBack"}

    def get_execution_history(self, **request) -> dict:
        return {"events": []}

    def get_queue_attributes(self, **request) -> dict:
        return {"Attributes": {}}


def test_the_watcher_ends_on_the_reports_word_for_a_rollback():
    # GIVEN an execution that rolled back
    fake = _RolledBackExecution()
    outputs = argparse.Namespace(migration_queue_url="q", migration_dlq_url="d", intake_queue_url="i")
    watcher = ExecutionWatcher(fake, fake, outputs, "arn:x", ProgressPrinter(io.StringIO()))

    # WHEN it polls THEN its last status is the report's ROLLED_BACK, not Step Functions' FAILED
    snapshot = watcher.poll()
    assert snapshot.status == "ROLLED_BACK" and snapshot.finished


@pytest.mark.parametrize(
    ("description", "word"),
    [
        ({"status": "SUCCEEDED"}, "SUCCEEDED"),
        ({"status": "FAILED", "error": "Migration.RolledBack"}, "ROLLED_BACK"),
        ({"status": "FAILED", "error": "Migration.FailedAfterCutOver"}, "FAILED"),
        ({"status": "ABORTED"}, "FAILED"),
        ({"status": "RUNNING"}, "RUNNING"),
    ],
)
def test_watch_and_report_end_with_the_same_words(description, word):
    # THEN one function names every end, read by the watcher's last line and the report alike
    assert report_status(description) == word
