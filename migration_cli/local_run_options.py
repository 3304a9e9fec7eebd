"""What `local run` can be told (`LocalRunOptions`), and the execution input it starts the run with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo_data.demo_set import NoDemoData, load_demo_data
from migration_cli.execution_history import GATE_ACTIONS
from migration_cli.migration_control import execution_input
from migration_runtime.execution_input import OFFLINE, ONLINE
from migration_runtime.record_mapping import DEFAULT_MAPPING, UnknownMapping, load_mapping
from onboarding_stack.settings import CONFIG_NAMESPACE

DEFAULT_RECORDS = 10_000
DEFAULT_INTAKE = 200
# One machine's emulator: far above what the local pipeline sustains would only measure the sender.
MAX_INTAKE_RATE = 500.0
# Local retries back off in seconds, not minutes, so a permanently failing record dead-letters quickly.
LOCAL_STACK_CONFIG: dict[str, Any] = {
    f"{CONFIG_NAMESPACE}:retryBaseDelaySeconds": 1,
    f"{CONFIG_NAMESPACE}:retryMaxDelaySeconds": 4,
}
RECORD_MAPPING_CONFIG_KEY = f"{CONFIG_NAMESPACE}:recordMapping"
"""The stack config key naming the record mapping the functions run (``--mapping`` passes it)."""


class LocalRunError(Exception):
    """The run could not be set up (bad input file, a stack without the state machine, ...)."""


@dataclass(frozen=True)
class LocalRunOptions:
    """Everything `local run` can be told; defaults give the demo (10,000 synthetic records)."""

    records: int = DEFAULT_RECORDS
    """Synthetic legacy records to load (ignored with legacy_file)."""
    legacy_file: Path | None = None
    """JSON Lines, one legacy record per line."""
    intake: int = DEFAULT_INTAKE
    """Synthetic intake messages to send once the legacy consumer is paused (ignored with intake_file)."""
    intake_file: Path | None = None
    """One raw message body per line, sent as is."""
    fail_transient: float = 0.0
    """FAULT_TRANSIENT_RATE of migrate_record."""
    fail_permanent: tuple[str, ...] = ()
    """FAULT_PERMANENT_IDS of migrate_record."""
    gate: str | None = None
    """redrive | accept | abort; None: ask when a terminal is attached, else abort (the safe answer)."""
    max_redrives: int = 1
    """Redrives answered before a still-unclean gate is answered abort."""
    dry_run: bool = False
    online: bool = False
    """The online mode: the legacy backend serves (its changes captured) until the cut-over's short pause."""
    intake_rate: float = 0.0
    """Live intake: messages per second for the whole run (new applications and changes); 0: none."""
    backup: bool = False
    force: bool = False
    """Migrate again on a stack whose new backend already serves (`run_on_stack` a second time)."""
    segments: int = 4
    poll_interval_seconds: int = 1
    empty_readings_required: int = 2
    seed: str = "demo"
    mapping: str = DEFAULT_MAPPING
    """The record mapping (``record_mappings/<name>``): the stack's ``recordMapping`` and the demo data."""
    stack_config: dict[str, Any] = field(default_factory=dict)
    """Pulumi config overrides (`onboarding:<key>`), on top of LOCAL_STACK_CONFIG."""
    program_dir: Path | None = None
    export_dir: Path | None = None
    html_file: Path | None = None
    """Where to write the picture of the run (HTML), if anywhere."""
    show_progress: bool = True
    watch_interval_seconds: float = 0.5
    timeout_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.gate is not None and self.gate not in GATE_ACTIONS:
            raise ValueError(f"gate must be one of {GATE_ACTIONS}, got {self.gate!r}")
        if not 0 <= self.fail_transient <= 1:
            raise ValueError("fail_transient must be within 0..1")
        if self.records < 0 or self.intake < 0:
            raise ValueError("records and intake must not be negative")
        if not 0 <= self.intake_rate <= MAX_INTAKE_RATE:
            raise ValueError(f"intake_rate must be within 0..{MAX_INTAKE_RATE} messages per second")
        try:
            load_mapping(self.mapping)
            demo = load_demo_data(self.mapping)
        except (UnknownMapping, NoDemoData) as error:
            raise ValueError(str(error)) from None
        if self.intake_rate > 0 and not callable(getattr(demo, "live_messages", None)):
            raise ValueError(
                f"live intake (--intake-rate) is not available for the {self.mapping} mapping: its demo data "
                "makes no live traffic (send intake with --intake or --intake-file instead)"
            )
        configured = self.stack_config.get(RECORD_MAPPING_CONFIG_KEY)
        if configured is not None and configured != self.mapping:
            raise ValueError(
                f"--stack-config recordMapping={configured} contradicts --mapping {self.mapping}: "
                "give --mapping only"
            )


def local_stack_config(options: LocalRunOptions) -> dict[str, Any]:
    """The Pulumi config of the local stack: the local defaults, the mapping, then ``--stack-config``."""
    return {**LOCAL_STACK_CONFIG, RECORD_MAPPING_CONFIG_KEY: options.mapping, **options.stack_config}


def execution_document(options: LocalRunOptions) -> dict[str, Any]:
    """The execution input of a local run, checked like `start`'s (raises InvalidExecutionInput)."""
    return execution_input(
        dry_run=options.dry_run,
        segments=options.segments,
        overrides={
            "backup": options.backup,
            "force": options.force,
            "poll_interval_seconds": options.poll_interval_seconds,
            "empty_readings_required": options.empty_readings_required,
            "mode": ONLINE if options.online else OFFLINE,
        },
    )
