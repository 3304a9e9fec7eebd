"""The peer: a Step Functions Map state invoking one Lambda function per record.

The shape public migration samples use: a task reads a page of the source table, a Map state runs one
Lambda invocation per record (here with the project's own per-record logic, so only the delivery
differs), and the workflow loops on the page cursor. The Map runs 10 records at a time, as the
pipeline's mapping (MaximumConcurrency 10). Same emulator, same data, same kind of target
table as the pipeline and the floor. Definition and functions: ``benchmarks/peer/``.

On AWS a standard workflow's history is capped at 25,000 events, so beyond a few thousand records this
inline Map must become a Distributed Map (child executions, billed per state transition the same way);
the emulator has no such cap, and the transitions counted here are the ones either form is billed for.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

from benchmarks.bench_stack import BenchStack, DataSet
from benchmarks.execution_stats import count_transitions, read_history, wait_for_execution
from benchmarks.metering import difference, invocation_difference
from benchmarks.run_result import RunResult, ScanVolume, attributed
from components.migration_state_machine import render_definition
from components.python_function import DEFAULT_MAPPING_PACKAGE, FAULT_INJECTION_PACKAGE, RUNTIME_PACKAGE

PEER_DIR = Path(__file__).resolve().parent / "peer"
DEFINITION = PEER_DIR / "per_record_map.asl.json"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 250  # records per Map state: about 175 KB of state, under the 256 KB payload limit
MEMORY_MB = 256  # as migrate_record


class PeerFailed(RuntimeError):
    pass


def function_zip(handler_file: Path) -> bytes:
    """``handler.py`` plus the runtime and mapping packages: the layout the stack's own functions use."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(handler_file, "handler.py")
        archive.write(PROJECT_ROOT / "record_mappings" / "__init__.py", "record_mappings/__init__.py")
        for package in (RUNTIME_PACKAGE, DEFAULT_MAPPING_PACKAGE, FAULT_INJECTION_PACKAGE):
            for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
                archive.write(path, path.relative_to(PROJECT_ROOT).as_posix())
    return buffer.getvalue()


class PerRecordMapPeer:
    """Deployed once per emulator; ``run`` migrates the legacy table into a fresh target each time."""

    def __init__(self, stack: BenchStack) -> None:
        self._stack = stack
        suffix = uuid.uuid4().hex[:6]
        self._role = stack.client("iam").create_role(
            RoleName=f"bench-peer-{suffix}", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        self.scan_function = self._function(f"bench-peer-scan-{suffix}", "scan_page_handler.py")
        self.migrate_function = self._function(f"bench-peer-migrate-{suffix}", "migrate_one_handler.py")
        self._definition = render_definition(
            DEFINITION.read_text(encoding="utf-8"),
            {"ScanFunctionArn": self.scan_function, "MigrateFunctionArn": self.migrate_function},
        )

    def _function(self, name: str, handler_file: str) -> str:
        return str(
            self._stack.client("lambda").create_function(
                FunctionName=name,
                Runtime="python3.11",
                Role=self._role,
                Handler="handler.lambda_handler",
                Code={"ZipFile": function_zip(PEER_DIR / handler_file)},
                Timeout=30,
                MemorySize=MEMORY_MB,
                Environment={"Variables": {"SOURCE_TABLE_NAME": self._stack.legacy_table}},
            )["FunctionArn"]
        )

    def run(self, data: DataSet, timeout_seconds: float) -> RunResult:
        stack = self._stack
        target = stack.scratch_target("peer")
        ledger = stack.scratch_target("peer-ledger", like=stack.control_table)
        stack.client("lambda").update_function_configuration(
            FunctionName=self.migrate_function,
            Environment={"Variables": {"TARGET_TABLE_NAME": target, "LEDGER_TABLE_NAME": ledger}},
        )
        stack.prewarm(self.scan_function, workers=1)
        stack.prewarm(self.migrate_function, workers=4)
        legacy_bytes = stack.table_bytes(stack.legacy_table)
        sfn = stack.client("stepfunctions")
        # A state machine per run, deleted with its execution once counted: the emulator keeps an
        # execution's whole history (several events per record) for as long as its state machine lives.
        state_machine_arn = sfn.create_state_machine(
            name=f"bench-peer-{data.records}-{uuid.uuid4().hex[:6]}",
            definition=self._definition,
            roleArn=self._role,
        )["stateMachineArn"]

        operations_before = stack.meters.operations.snapshot()
        invocations_before = stack.meters.invocations.snapshot()
        execution_arn = sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=f"bench-peer-{data.records}-{uuid.uuid4().hex[:6]}",
            input=json.dumps({"cursor": None, "page_size": PAGE_SIZE}),
        )["executionArn"]
        description = wait_for_execution(sfn, execution_arn, timeout_seconds)
        operations = attributed(
            difference(stack.meters.operations.snapshot(), operations_before),
            {stack.legacy_table, target, ledger},
        )
        invocations = invocation_difference(stack.meters.invocations.snapshot(), invocations_before)
        if description["status"] != "SUCCEEDED":
            raise PeerFailed(
                f"peer execution ended {description['status']}: {description.get('error')} "
                f"{str(description.get('cause'))[:500]}"
            )
        seconds = (description["stopDate"] - description["startDate"]).total_seconds()
        transitions = count_transitions(read_history(sfn, execution_arn))
        sfn.delete_state_machine(stateMachineArn=state_machine_arn)
        contents = stack.target_contents(target)
        ledger_items = stack.ledger_items(ledger)
        stack.drop_table(target)
        stack.drop_table(ledger)
        return RunResult(
            approach="peer",
            records=data.records,
            migrated=contents.migrated,
            seconds=seconds,
            operations=operations,
            invocations=invocations,
            migrated_write_units=contents.migrated_write_units,
            scans=ScanVolume(legacy_bytes),
            ledger_items=ledger_items,
            ledger_table=ledger,
            state_transitions=transitions.total,
            polling_transitions=transitions.polling,
            paging_transitions=transitions.paging,
        )
