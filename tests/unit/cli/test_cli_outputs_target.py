"""Commands given an outputs file talk to the stack it describes: a `local up` file's endpoint and the
stack's own region, never AWS by accident."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from migration_cli import execution_commands
from migration_cli.stack_outputs import StackOutputs, StackOutputsError

NAMES = [field for field in StackOutputs.__dataclass_fields__]


def outputs(region: str = "eu-west-1") -> dict[str, str]:
    return {**{name: f"value-of-{name}" for name in NAMES}, "region": region}


def args(path: Path, **overrides: object) -> argparse.Namespace:
    return argparse.Namespace(
        outputs=str(path),
        stack=None,
        endpoint_url=overrides.get("endpoint_url"),
        region=overrides.get("region"),
    )


def test_a_local_up_file_sends_requests_to_its_recorded_endpoint(tmp_path: Path) -> None:
    # GIVEN what `local up --json` printed
    path = tmp_path / "local.json"
    path.write_text(json.dumps({"endpoint_url": "http://127.0.0.1:4566", "outputs": outputs("us-east-1")}))

    # WHEN a command resolves its target / THEN it is the emulator, in the stack's region
    connection, _ = execution_commands.stack_target(args(path))
    assert (connection.endpoint_url, connection.region) == ("http://127.0.0.1:4566", "us-east-1")


def test_plain_stack_outputs_go_to_aws_in_the_stacks_region_unless_told_otherwise(tmp_path: Path) -> None:
    # GIVEN `pulumi stack output --json` of a stack in eu-west-1
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs("eu-west-1")))

    # WHEN / THEN AWS, in the stack's region; explicit flags win
    connection, _ = execution_commands.stack_target(args(path))
    assert (connection.endpoint_url, connection.region) == (None, "eu-west-1")
    connection, _ = execution_commands.stack_target(args(path, endpoint_url="http://x:1", region="us-west-2"))
    assert (connection.endpoint_url, connection.region) == ("http://x:1", "us-west-2")


def test_an_outputs_file_without_a_region_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    document = outputs()
    del document["region"]
    path.write_text(json.dumps(document))
    with pytest.raises(StackOutputsError, match="region"):
        execution_commands.stack_target(args(path))
