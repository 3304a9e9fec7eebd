"""The Lambda runner on its own (no emulator): warm pools, concurrency, idle workers, logs."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from runtime_helpers import ManualClock, handler_zip, wait_until

from embedded_aws.lambda_runtime.runner import LambdaRunner
from embedded_aws.lambda_runtime.spec import FunctionSpec, InvocationResult

SLOW_PID = """
import os
import time
from pathlib import Path

def lambda_handler(event, context):
    # With "gate": check in, then hold on until the directory holds "until" files (the other
    # invocations' check-ins, or the test's "open" file).
    if "gate" in event:
        gate = Path(event["gate"])
        (gate / str(os.getpid())).touch()
        while len(list(gate.iterdir())) < event["until"]:
            time.sleep(0.01)
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
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def runner(tmp_path: Path, sink: RecordingSink, clock: ManualClock) -> Iterator[LambdaRunner]:
    # Idle time is read from the manual clock: workers idle "longer than the TTL" only when a test says so.
    runner = LambdaRunner(
        tmp_path,
        "http://127.0.0.1:9",
        log_sink=sink,
        idle_worker_ttl_seconds=0.5,
        max_concurrency_per_function=4,
        clock=clock,
    )
    yield runner
    runner.shutdown()


def run_in_threads(count: int, call: Callable[[], InvocationResult]) -> tuple[list[threading.Thread], list]:
    results: list[InvocationResult] = []
    threads = [threading.Thread(target=lambda: results.append(call())) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def test_concurrent_invocations_get_their_own_workers_and_idle_ones_are_stopped(runner, clock, tmp_path):
    # GIVEN a function whose three invocations each wait until all three are running (a 60 s timeout
    # bounds a hang: a runner that ran them one after the other would time them out)
    spec = spec_for(SLOW_PID, timeout=60)
    gate = tmp_path / "gate"
    gate.mkdir()

    # WHEN they run at once and complete
    threads, results = run_in_threads(3, lambda: runner.invoke(spec, {"gate": str(gate), "until": 3}))
    for thread in threads:
        thread.join()
    warm_after_the_burst = runner.worker_count(spec.arn)

    # THEN each ran in its own process, and all three were kept warm
    assert not any(result.errored for result in results), [result.payload for result in results]
    pids = {json.loads(result.payload) for result in results}
    assert len(pids) == 3
    assert warm_after_the_burst == 3

    # WHEN they then stay idle longer than the idle TTL (0.5 s here)
    clock.advance(0.6)

    # THEN all are stopped, and a new call starts a fresh one
    wait_until(lambda: runner.worker_count(spec.arn) == 0)
    assert json.loads(runner.invoke(spec, {}).payload) not in pids


def test_invocations_beyond_the_local_concurrency_wait_for_a_worker_unbilled_and_all_succeed(
    tmp_path, sink, clock
):
    # GIVEN a runner that runs two executions of a function at once, and five invocations at once whose
    # handlers hold on until the test opens their gate (a file: 2 check-ins + "open" = 3 entries)
    runner = LambdaRunner(
        tmp_path, "http://127.0.0.1:9", log_sink=sink, max_concurrency_per_function=2, clock=clock
    )
    spec = spec_for(SLOW_PID, timeout=60)
    gate = tmp_path / "gate"
    gate.mkdir()
    try:
        threads, results = run_in_threads(5, lambda: runner.invoke(spec, {"gate": str(gate), "until": 3}))

        # WHEN two are running and three wait for a worker, 100 s pass on the runner's clock, and the gate
        # opens
        wait_until(lambda: len(list(gate.iterdir())) == 2 and runner.waiting_invocations(spec.arn) == 3)
        clock.advance(100)
        (gate / "open").touch()
        for thread in threads:
            thread.join()
        warm = runner.worker_count(spec.arn)
    finally:
        runner.shutdown()

    # THEN every invocation succeeded, in at most two processes; the two that ran through the 100 s are
    # billed for them, the three that waited are not billed for their wait
    assert len(results) == 5
    assert not any(result.errored for result in results)
    assert len({json.loads(result.payload) for result in results}) == 2
    assert warm == 2
    assert sorted(result.duration_ms for result in results) == [0, 0, 0, 100_000, 100_000]


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
