"""The Lambda runner on its own (no emulator): warm pools, concurrency, idle workers, logs."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_helpers import handler_zip, wait_until

from embedded_aws.lambda_runtime.runner import LambdaRunner
from embedded_aws.lambda_runtime.spec import FunctionSpec

SLOW_PID = """
import os
import time

def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    print("working in", os.getpid())
    return os.getpid()
"""


class RecordingSink:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def put(self, group: str, stream: str, messages: list[str]) -> None:
        with self._lock:
            self.lines += [(group, stream, message) for message in messages]


def spec_for(source: str, timeout: float = 5) -> FunctionSpec:
    code = handler_zip(source)
    return FunctionSpec(
        name="unit",
        arn="arn:aws:lambda:us-east-1:123456789012:function:unit",
        handler="handler.lambda_handler",
        runtime="python3.11",
        timeout_seconds=timeout,
        memory_mb=128,
        environment={},
        code_sha256=hashlib.sha256(code).hexdigest(),
        region="us-east-1",
        version="$LATEST",
        log_group_name="/aws/lambda/unit",
        code_bytes=lambda: code,
    )


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def runner(tmp_path: Path, sink: RecordingSink) -> Iterator[LambdaRunner]:
    runner = LambdaRunner(
        tmp_path,
        "http://127.0.0.1:9",
        log_sink=sink,
        idle_worker_ttl_seconds=0.5,
        max_concurrency_per_function=4,
    )
    yield runner
    runner.shutdown()


def test_concurrent_invocations_get_their_own_workers_and_idle_ones_are_stopped(runner):
    # GIVEN a function, and three invocations running at the same time
    spec = spec_for(SLOW_PID)
    pids: list[int] = []
    threads = [
        threading.Thread(target=lambda: pids.append(json.loads(runner.invoke(spec, {"sleep": 1}).payload)))
        for _ in range(3)
    ]

    # WHEN they complete, and the workers then stay idle longer than the idle TTL (0.5 s here)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    warm_after_the_burst = runner.worker_count(spec.arn)
    wait_until(lambda: runner.worker_count(spec.arn) == 0, timeout=10)

    # THEN each ran in its own process, all were kept warm, then all were stopped; a new call starts one
    assert len(set(pids)) == 3
    assert warm_after_the_burst == 3
    assert json.loads(runner.invoke(spec, {}).payload) not in pids


def test_invocations_beyond_the_local_concurrency_wait_for_a_worker_and_all_succeed(tmp_path, sink):
    # GIVEN a runner that runs two executions of a function at once, and five invocations at once
    runner = LambdaRunner(tmp_path, "http://127.0.0.1:9", log_sink=sink, max_concurrency_per_function=2)
    spec = spec_for(SLOW_PID)
    runner.invoke(spec, {})  # started once, so cold starts do not blur the timing below
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(runner.invoke(spec, {"sleep": 0.4}))) for _ in range(5)
    ]

    # WHEN they complete
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        warm = runner.worker_count(spec.arn)
    finally:
        runner.shutdown()

    # THEN every invocation succeeded, in at most two processes, and none was billed for its wait
    assert len(results) == 5
    assert not any(result.errored for result in results)
    assert len({json.loads(result.payload) for result in results}) <= 2
    assert warm <= 2
    assert max(result.duration_ms for result in results) < 3 * 400


def test_the_local_concurrency_must_be_positive(tmp_path, sink):
    # GIVEN / WHEN / THEN a runner asked for no concurrent executions is refused
    with pytest.raises(ValueError, match="at least 1"):
        LambdaRunner(tmp_path, "http://127.0.0.1:9", log_sink=sink, max_concurrency_per_function=-1)


def test_each_invocation_ships_its_own_logs_between_start_and_report(runner, sink):
    # GIVEN a function that prints
    spec = spec_for(SLOW_PID)

    # WHEN it is invoked twice by the same warm worker
    first = runner.invoke(spec, {})
    second = runner.invoke(spec, {})

    # THEN each invocation's log holds its own print and platform lines, in the function's log group
    for result in (first, second):
        lines = [message for group, _, message in sink.lines if group == "/aws/lambda/unit"]
        start = lines.index(f"START RequestId: {result.request_id} Version: $LATEST")
        end = lines.index(f"END RequestId: {result.request_id}")
        assert lines[start + 1 : end] == [f"working in {json.loads(result.payload)}"]
    assert first.payload == second.payload


def test_shutdown_stops_every_worker(tmp_path, sink):
    # GIVEN a runner with a warm worker
    runner = LambdaRunner(tmp_path, "http://127.0.0.1:9", log_sink=sink)
    spec = spec_for(SLOW_PID)
    pid = json.loads(runner.invoke(spec, {}).payload)

    # WHEN it shuts down
    runner.shutdown()

    # THEN the worker process is gone and no further invocation is accepted
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError):
        runner.invoke(spec, {})
