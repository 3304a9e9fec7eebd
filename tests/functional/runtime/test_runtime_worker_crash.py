"""Fault injection: an armed invocation kills its worker after the handler ran, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_runtime_lambda_runner import spec_for

from embedded_aws.lambda_runtime.runner import LambdaRunner

COUNTING = """
import os

def lambda_handler(event, context):
    path = event["marker"]
    with open(path, "a") as marker:
        marker.write("ran\\n")
    return os.getpid()
"""


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[LambdaRunner]:
    runner = LambdaRunner(tmp_path / "work", "http://127.0.0.1:1")
    yield runner
    runner.shutdown()


def test_an_armed_invocation_runs_the_handler_then_dies_as_runtime_exit_error_once(
    runner: LambdaRunner, tmp_path: Path
) -> None:
    # GIVEN a function whose handler leaves a mark, with one crash armed
    spec = spec_for(COUNTING)
    marker = tmp_path / "marker"
    runner.crash_next_invocations(spec.name)

    # WHEN it is invoked twice
    crashed = runner.invoke(spec, {"marker": str(marker)})
    served = runner.invoke(spec, {"marker": str(marker)})

    # THEN the first ran its handler but its worker died: the error AWS reports for a dead runtime
    assert crashed.errored
    assert json.loads(crashed.payload)["errorType"] == "Runtime.ExitError"
    assert "exit status 1" in json.loads(crashed.payload)["errorMessage"]
    # ... the second was served by a fresh worker, and the crash is spent
    assert not served.errored
    assert marker.read_text().splitlines() == ["ran", "ran"]
    assert runner.crashes_pending(spec.name) == 0
