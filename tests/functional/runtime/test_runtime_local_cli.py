"""`onboarding-migration local up`: serves the deployed stack until interrupted."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from migration_cli.main import build_parser

PROJECT = Path(__file__).resolve().parents[3]


def test_local_up_is_a_registered_command():
    # GIVEN the command line parser / WHEN `local up --port 4567 --json` is parsed
    args = build_parser().parse_args(["local", "up", "--port", "4567", "--json"])

    # THEN it reaches the local up handler with its options
    assert (args.port, args.json) == (4567, True)
    assert args.handler.__name__ == "up"


def read_line(stream, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            return stream.readline()
    raise AssertionError(f"no output within {timeout} s")


@pytest.mark.skipif(os.name != "posix", reason="drives the process with POSIX signals")
def test_local_up_serves_the_stack_until_interrupted(tmp_path: Path):
    # GIVEN `local up --json` started as a user would (stderr to a file: an unread pipe that fills up
    # would block the process on its next write and look like a hang)
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "migration_cli.main", "local", "up", "--json"],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        # WHEN it reports that it is up
        description = json.loads(read_line(process.stdout, timeout=120))

        # THEN the endpoint answers with the deployed stack, through any AWS SDK
        sqs = boto3.client(
            "sqs",
            endpoint_url=description["endpoint_url"],
            region_name=description["region"],
            aws_access_key_id=description["credentials"]["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=description["credentials"]["AWS_SECRET_ACCESS_KEY"],
        )
        assert description["outputs"]["intake_queue_url"] in sqs.list_queues()["QueueUrls"]

        # WHEN it is interrupted (Ctrl-C)
        process.send_signal(signal.SIGINT)

        # THEN it stops cleanly
        try:
            returncode = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            process.wait(timeout=10)
            raise AssertionError(
                f"still running 30 s after Ctrl-C:\n{stderr_path.read_text()[-8000:]}"
            ) from None
        assert returncode == 0, stderr_path.read_text()[-4000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.skipif(os.name != "posix", reason="drives the process with POSIX signals")
def test_local_up_loads_records_writes_the_outputs_file_and_says_what_to_run_next(tmp_path: Path):
    # GIVEN `local up --records 40 --outputs-file F` started in the background
    outputs_file = tmp_path / "local.json"
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "migration_cli.main", "local", "up"),
                *("--records", "40", "--outputs-file", str(outputs_file)),
            ],
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        # WHEN the outputs file appears (written whole, once the records are loaded)
        deadline = time.monotonic() + 180
        while not outputs_file.exists():
            assert process.poll() is None, stderr_path.read_text()[-4000:]
            assert time.monotonic() < deadline, "no outputs file within 180 s"
            time.sleep(0.2)
        description = json.loads(outputs_file.read_text())

        # THEN the legacy table holds the 40 records, and the next commands name the file
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=description["endpoint_url"],
            region_name=description["region"],
            aws_access_key_id=description["credentials"]["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=description["credentials"]["AWS_SECRET_ACCESS_KEY"],
        )
        table = description["outputs"]["legacy_table_name"]
        assert dynamodb.scan(TableName=table, Select="COUNT")["Count"] == 40
        deadline = time.monotonic() + 30
        while f"start --outputs {outputs_file}" not in stderr_path.read_text():
            assert time.monotonic() < deadline, stderr_path.read_text()[-4000:]
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_local_up_refuses_an_empty_legacy_file_before_deploying(tmp_path: Path, capsys):
    # GIVEN an empty legacy file
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")

    # WHEN / THEN one error line naming the file, exit 2 (nothing started: the call returns at once)
    from migration_cli.main import main

    assert main(["local", "up", "--legacy-file", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "empty.jsonl" in err and "Traceback" not in err
