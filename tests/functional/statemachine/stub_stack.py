"""A minimal stack around the real migration state machine, with small stubs in place of the real functions.

The state machine definition is the real one (statemachines/migration.asl.json rendered by the component's
own `render_definition`); queues, mappings, tables and the gate topic are real emulator resources, so
pausing, settling, the gate, the DLQ redrive and the rollback run exactly as they would on the stack.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.migration_state_machine import capture_substitutions, render_migration_with_children
from embedded_aws import EmbeddedAws
from migration_cli.execution_history import ExecutionProgress
from migration_cli.history_reader import ExecutionFollower
from migration_cli.migration_control import execution_name
from tests.fixtures.dynamodb_tables import create_pk_sk_table

STUBS = Path(__file__).resolve().parent / "stub_functions"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
# Short polls: one quiet reading, one-second waits (the smallest Wait the definition accepts).
FAST_INPUT: dict[str, Any] = {"poll_interval_seconds": 1, "empty_readings_required": 1, "segments": 2}


def stub_zip(source_file: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", (STUBS / source_file).read_text(encoding="utf-8"))
    return buffer.getvalue()


@dataclass
class StubStack:
    """Handles on every resource of one stub stack (unique names, so tests never share state)."""

    aws: EmbeddedAws
    prefix: str
    state_machine_arn: str
    legacy_mapping: str
    new_mapping: str
    migrate_mapping: str
    intake_queue_url: str
    migration_queue_url: str
    migration_dlq_url: str
    migration_dlq_arn: str
    marker_table: str
    control_table: str
    functions: dict[str, str]

    @property
    def sfn(self) -> Any:
        return self.aws.client("stepfunctions")

    def mapping_state(self, uuid_: str) -> str:
        return self.aws.client("lambda").get_event_source_mapping(UUID=uuid_)["State"]

    def configure(self, function: str, **environment: str) -> None:
        """Change a stub's behaviour (its environment), as the local CLI does with fault injection."""
        client = self.aws.client("lambda")
        current = client.get_function_configuration(FunctionName=self.functions[function])
        variables = {**current.get("Environment", {}).get("Variables", {}), **environment}
        client.update_function_configuration(
            FunctionName=self.functions[function], Environment={"Variables": variables}
        )

    def start(self, document: dict[str, Any]) -> str:
        return self.sfn.start_execution(
            stateMachineArn=self.state_machine_arn,
            name=execution_name(bool(document.get("dry_run"))),
            input=json.dumps(document),
        )["executionArn"]

    def wait(self, execution_arn: str, until_gate: bool = False, timeout: float = 60) -> ExecutionProgress:
        """Poll until the execution ends (or waits at its gate); returns the progress read from history."""
        deadline = time.monotonic() + timeout
        follower = ExecutionFollower(self.sfn, execution_arn)
        progress = ExecutionProgress()
        while time.monotonic() < deadline:
            status = self.sfn.describe_execution(executionArn=execution_arn)["status"]
            follower.refresh(progress)
            if status in TERMINAL or (until_gate and progress.waiting_at_gate):
                return progress
            time.sleep(0.25)
        raise TimeoutError(f"{execution_arn} still running after {timeout} s")

    @staticmethod
    def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
        """Poll until `condition()` holds (consumers run asynchronously, on the emulator's pollers)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            time.sleep(0.2)

    def describe(self, execution_arn: str) -> dict[str, Any]:
        return self.sfn.describe_execution(executionArn=execution_arn)

    def tear_down(self) -> None:
        """Stop what would keep running after the test: executions, and the pollers of its mappings."""
        sfn = self.sfn
        for execution in sfn.list_executions(stateMachineArn=self.state_machine_arn, statusFilter="RUNNING")[
            "executions"
        ]:
            sfn.stop_execution(executionArn=execution["executionArn"])
        client = self.aws.client("lambda")
        for mapping in (self.legacy_mapping, self.new_mapping, self.migrate_mapping):
            client.delete_event_source_mapping(UUID=mapping)

    def consumers_of(self) -> dict[str, str]:
        """application_id -> which stub consumer handled it (from the marker table)."""
        items = self.aws.client("dynamodb").scan(TableName=self.marker_table)["Items"]
        return {item["application_id"]["S"]: item["consumer"]["S"] for item in items}


def build_stub_stack(
    aws: EmbeddedAws,
    max_receive_count: int = 2,
    intake_redrive_policy: bool = True,
    intake_minimum_visibility_timeout_seconds: int = 1,
    legacy_mapping_on_other_queue: bool = False,
    capture: bool = True,
) -> StubStack:
    """A stub stack; the three arguments before ``capture`` break what Setup checks of the legacy service;
    ``capture=False`` builds it without change capture (an adopted legacy table without a stream)."""
    prefix = f"sm{uuid.uuid4().hex[:8]}"
    sqs, lam, ddb = aws.client("sqs"), aws.client("lambda"), aws.client("dynamodb")
    role = aws.client("iam").create_role(RoleName=f"{prefix}-role", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]

    def queue(name: str, **attributes: str) -> tuple[str, str]:
        url = sqs.create_queue(QueueName=f"{prefix}-{name}", Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    migration_dlq_url, migration_dlq_arn = queue("migration-dlq")
    _, intake_dlq_arn = queue("intake-dlq")
    redrive = {"maxReceiveCount": str(max_receive_count)}
    # A one-second visibility timeout: a failed stub message comes back fast and dead-letters in seconds.
    migration_url, migration_arn = queue(
        "migration",
        VisibilityTimeout="1",
        RedrivePolicy=json.dumps({**redrive, "deadLetterTargetArn": migration_dlq_arn}),
    )
    intake_redrive = {"RedrivePolicy": json.dumps({**redrive, "deadLetterTargetArn": intake_dlq_arn})}
    intake_url, intake_arn = queue(
        "intake", VisibilityTimeout="1", **(intake_redrive if intake_redrive_policy else {})
    )

    legacy_table = f"{prefix}-legacy"
    marker_table = f"{prefix}-markers"
    for table in (legacy_table, marker_table):
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "application_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "application_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    def function(name: str, source: str, environment: dict[str, str]) -> str:
        return lam.create_function(
            FunctionName=f"{prefix}-{name}",
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": stub_zip(source)},
            Timeout=30,
            Environment={"Variables": environment},
        )["FunctionArn"]

    arns = {
        "enqueue": function(
            "enqueue", "enqueue_stub.py", {"MIGRATION_QUEUE_URL": migration_url, "PAGES": "2"}
        ),
        "validate": function("validate", "validate_stub.py", {"MIGRATION_DLQ_URL": migration_dlq_url}),
        "migrate": function(
            "migrate", "consumer_stub.py", {"CONSUMER": "migrate", "MARKER_TABLE": marker_table}
        ),
        "legacy": function(
            "legacy", "consumer_stub.py", {"CONSUMER": "legacy", "MARKER_TABLE": marker_table}
        ),
        # The new backend's consumer marks what it failed, as the real one does (intake_retries).
        "new": function(
            "new",
            "consumer_stub.py",
            {"CONSUMER": "new", "MARKER_TABLE": marker_table, "RETRY_MARK_TABLE": f"{prefix}-control"},
        ),
    }

    def mapping(queue_arn: str, function_arn: str, enabled: bool) -> str:
        return lam.create_event_source_mapping(
            EventSourceArn=queue_arn,
            FunctionName=function_arn,
            BatchSize=10,
            Enabled=enabled,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )["UUID"]

    legacy_source_arn = queue("other-intake")[1] if legacy_mapping_on_other_queue else intake_arn
    legacy_mapping = mapping(legacy_source_arn, arns["legacy"], True)
    new_mapping = mapping(intake_arn, arns["new"], False)
    migrate_mapping = mapping(migration_arn, arns["migrate"], True)
    # The online capture's mapping: the offline paths only ever switch it off (a stream mapping on AWS; any
    # mapping will do for the calls the definition makes).
    capture_mapping = mapping(queue("capture")[1], arns["new"], False) if capture else None
    gate_topic = aws.client("sns").create_topic(Name=f"{prefix}-gate")["TopicArn"]

    sfn = aws.client("stepfunctions")
    control_table = f"{prefix}-control"
    create_pk_sk_table(ddb, control_table)

    def create_child(name: str, definition: str) -> str:
        return sfn.create_state_machine(name=f"{prefix}-{name}", definition=definition, roleArn=role)[
            "stateMachineArn"
        ]

    definition = render_migration_with_children(
        create_child,
        {
            "LegacyMappingUuid": legacy_mapping,
            "NewMappingUuid": new_mapping,
            # No capture function here: the online paths are never run on the stub stack.
            **capture_substitutions(capture_mapping, None, arns["validate"]),
            "IntakeQueueUrl": intake_url,
            "IntakeQueueArn": intake_arn,
            "IntakeMinimumVisibilityTimeoutSeconds": str(intake_minimum_visibility_timeout_seconds),
            # The stand-in consumers' own timeout (a drain under live traffic outlasts one attempt).
            "IntakeConsumerTimeoutSeconds": "30",
            "MigrationQueueUrl": migration_url,
            "MigrationQueueArn": migration_arn,
            "MigrationDlqArn": migration_dlq_arn,
            "LegacyTableName": legacy_table,
            "LegacyRecordIdField": "application_id",
            "EnqueueRecordsFunctionArn": arns["enqueue"],
            "ValidateMigrationFunctionArn": arns["validate"],
            "GateTopicArn": gate_topic,
            "ControlTableName": control_table,
        },
    )
    state_machine_arn = aws.client("stepfunctions").create_state_machine(
        name=f"{prefix}-migration", definition=definition, roleArn=role
    )["stateMachineArn"]
    return StubStack(
        aws=aws,
        prefix=prefix,
        state_machine_arn=state_machine_arn,
        legacy_mapping=legacy_mapping,
        new_mapping=new_mapping,
        migrate_mapping=migrate_mapping,
        intake_queue_url=intake_url,
        migration_queue_url=migration_url,
        migration_dlq_url=migration_dlq_url,
        migration_dlq_arn=migration_dlq_arn,
        marker_table=marker_table,
        control_table=control_table,
        functions={name: arn.split(":")[-1] for name, arn in arns.items()},
    )
