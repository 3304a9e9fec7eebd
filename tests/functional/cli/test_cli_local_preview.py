"""`onboarding-migration local preview`: the tree on stdout, as text or JSON; mistakes are one error line."""

from __future__ import annotations

import json

import pytest

from migration_cli.main import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse refuses usage errors by exiting
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_tree_is_printed_like_pulumi_preview(capsys):
    # WHEN the stack is previewed
    code, out, _ = run_cli(["local", "preview"], capsys)

    # THEN the stack, its components and their resources are `+` lines, ending with the count
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["+", "pulumi:pulumi:Stack", "onboarding-migration-local"]
    assert any(line.split()[-2:] == ["aws:sqs/queue:Queue", "intake-dlq"] for line in lines)
    created = sum(1 for line in lines if line.startswith(" +"))
    assert lines[-1].strip().startswith(f"+ {created} to create")


def test_json_parses_and_a_stack_config_is_applied(capsys):
    # GIVEN the default preview as JSON
    code, out, _ = run_cli(["local", "preview", "--json"], capsys)
    assert code == 0
    default = json.loads(out)

    # WHEN the alarms get an e-mail
    code, out, _ = run_cli(
        ["local", "preview", "--json", "--stack-config", "alarmEmail=ops@example.com"], capsys
    )
    configured = json.loads(out)

    # THEN the JSON lists the subscriptions that config adds, each under a component
    def subscriptions(document: dict) -> list[dict]:
        return [
            r for r in document["resources"] if r["type"] == "aws:sns/topicSubscription:TopicSubscription"
        ]

    assert code == 0 and default["stack"] == "local" and default["project"] == "onboarding-migration"
    assert subscriptions(default) == [] and len(subscriptions(configured)) >= 2
    components = {r["urn"] for r in configured["resources"] if r["type"].startswith("onboarding:components:")}
    assert {r["parent"] for r in subscriptions(configured)} <= components
    assert configured["counts"]["create"] == default["counts"]["create"] + len(subscriptions(configured))


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["local", "preview", "--stack-config", "noequals"], "--stack-config"),
        (["local", "preview", "--stack-config", "=5"], "--stack-config"),
        (["local", "preview", "--stack-config", "migrateMaxConcurrency=1"], "maximum_concurrency"),
    ],
)
def test_a_bad_stack_config_is_one_error_line_and_exit_2(argv: list[str], named: str, capsys):
    # WHEN the preview is given a config it cannot use
    code, out, err = run_cli(argv, capsys)

    # THEN it exits 2 with one error line naming it, no traceback and no tree
    assert code == 2, err
    assert "Traceback" not in err and out == ""
    error_lines = [line for line in err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and named in error_lines[0], err
