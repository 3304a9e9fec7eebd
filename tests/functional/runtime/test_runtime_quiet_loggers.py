"""moto's Step Functions engine does not flood the terminal with its failure logs while the runtime runs."""

from __future__ import annotations

import json
import logging

import pytest
from runtime_helpers import unique, wait_until

from embedded_aws.moto_internals import quiet_loggers
from embedded_aws.moto_internals.patching import PatchSet

FAILS = {
    "StartAt": "Boom",
    "States": {"Boom": {"Type": "Fail", "Error": "Migration.Failed", "Cause": "x" * 2000}},
}


def run_failing_execution(aws, role_arn: str) -> str:
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(name=unique("fails"), definition=json.dumps(FAILS), roleArn=role_arn)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    return wait_until(
        lambda: (s := sfn.describe_execution(executionArn=execution)["status"]) != "RUNNING" and s, timeout=30
    )


def moto_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name.startswith("moto.")]


def test_failed_executions_log_nothing_from_moto_while_the_runtime_runs(aws, role_arn, caplog):
    # GIVEN the runtime running, and every log record captured
    caplog.set_level(logging.DEBUG)
    engine = logging.getLogger("moto.stepfunctions")
    silenced_level = engine.level

    # WHEN an execution fails with a long cause while moto's loggers are quiet
    quiet_status = run_failing_execution(aws, role_arn)
    quiet = moto_records(caplog)
    # and again with the engine's logger set back to moto's default
    caplog.clear()
    engine.setLevel(logging.NOTSET)
    try:
        loud_status = run_failing_execution(aws, role_arn)
        loud = moto_records(caplog)
    finally:
        engine.setLevel(silenced_level)

    # THEN nothing came from moto while quiet, whereas moto alone logs the failure, cause included
    assert quiet_status == loud_status == "FAILED"
    assert quiet == []
    assert any("x" * 2000 in record.getMessage() for record in loud)


def test_logger_levels_are_restored_when_the_patches_are_undone():
    # GIVEN moto's loggers set to known levels (whatever they were is put back at the end)
    loggers = [logging.getLogger(name) for name in quiet_loggers.QUIETED_LOGGERS]
    outer = [logger.level for logger in loggers]
    for logger, level in zip(loggers, (logging.WARNING, logging.INFO), strict=False):
        logger.setLevel(level)
    before = [logger.level for logger in loggers]
    child = logging.getLogger("moto.stepfunctions.parser.provider")
    patches = PatchSet()

    try:
        # WHEN the runtime quiets them, and then restores them
        quiet_loggers.install(patches)
        during = child.isEnabledFor(logging.CRITICAL)
        patches.restore()

        # THEN children were silenced meanwhile, and every level is back as it was
        assert during is False
        assert child.isEnabledFor(logging.ERROR) is True
        assert [logger.level for logger in loggers] == before == [logging.WARNING, logging.INFO]
    finally:
        for logger, level in zip(loggers, outer, strict=True):
            logger.setLevel(level)
