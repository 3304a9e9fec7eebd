"""The stack outputs the command line needs, from `pulumi stack output --json`, a JSON file or a mapping.

The same names on AWS and locally: the local runtime deploys the very same program and returns its
outputs, so `--outputs FILE` works with a file written from either.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from migration_runtime.lookup_tables import DynamoDbLookups, NoLookups
from migration_runtime.record_mapping import DEFAULT_MAPPING, Lookups, RecordMapping, load_mapping

LOOKUP_TABLE_OUTPUT_PREFIX = "lookup_table_"
"""A mapping's lookup table ``<name>`` is the output ``lookup_table_<name>`` (its deployed table name)."""


class StackOutputsError(Exception):
    """The stack outputs could not be read, or lack a name the command line needs."""


@dataclass(frozen=True)
class StackOutputs:
    """The outputs the operator commands use (names exactly as `__main__.py` exports them)."""

    state_machine_arn: str
    region: str
    intake_queue_url: str
    intake_queue_arn: str
    intake_dlq_url: str
    intake_dlq_arn: str
    migration_queue_url: str
    migration_queue_arn: str
    migration_dlq_url: str
    migration_dlq_arn: str
    legacy_table_name: str
    new_table_name: str
    control_table_name: str
    legacy_mapping_uuid: str
    new_mapping_uuid: str
    migrate_mapping_uuid: str
    migrate_record_function_name: str
    capture_mapping_uuid: str | None = None
    """The online change capture's mapping; None for a stack without one (no legacy stream: offline only)."""
    record_mapping: str = DEFAULT_MAPPING
    """The record mapping the functions run (a stack deployed before mappings existed: onboarding)."""
    lookup_tables: Mapping[str, str] = field(default_factory=dict)
    """Each lookup table's deployed name, by the mapping's ``LookupTable.name``."""

    @classmethod
    def from_mapping(cls, outputs: Mapping[str, Any]) -> StackOutputs:
        """Pick the needed names out of all the stack's outputs; extra outputs are ignored."""
        names = [
            item.name for item in fields(cls) if item.default is MISSING and item.default_factory is MISSING
        ]
        missing = [name for name in names if not outputs.get(name)]
        if missing:
            raise StackOutputsError(
                f"the stack outputs lack {', '.join(missing)} (was the stack deployed from this version?)"
            )
        return cls(
            **{name: str(outputs[name]) for name in names},
            capture_mapping_uuid=str(outputs["capture_mapping_uuid"])
            if outputs.get("capture_mapping_uuid")
            else None,
            record_mapping=str(outputs.get("record_mapping") or DEFAULT_MAPPING),
            lookup_tables=lookup_table_names(outputs),
        )

    def mapping(self) -> RecordMapping:
        """The record mapping the stack's functions run."""
        return load_mapping(self.record_mapping)

    def lookups(self, dynamodb: Any, mapping: RecordMapping) -> Lookups:
        """``mapping``'s lookup tables as this stack deployed them (outputs ``lookup_table_<name>``)."""
        if not mapping.lookup_tables:
            return NoLookups()
        missing = [table.name for table in mapping.lookup_tables if table.name not in self.lookup_tables]
        if missing:
            names = ", ".join(f"{LOOKUP_TABLE_OUTPUT_PREFIX}{name}" for name in missing)
            raise StackOutputsError(
                f"the stack outputs lack {names} (the {mapping.name} mapping's lookup tables)"
            )
        return DynamoDbLookups(dynamodb, mapping.lookup_tables, table_name=self.lookup_tables.__getitem__)


def lookup_table_names(outputs: Mapping[str, Any]) -> dict[str, str]:
    """The deployed lookup tables among a stack's outputs, by the mapping's table name."""
    return {
        str(name).removeprefix(LOOKUP_TABLE_OUTPUT_PREFIX): str(value)
        for name, value in outputs.items()
        if str(name).startswith(LOOKUP_TABLE_OUTPUT_PREFIX) and value
    }


def load_outputs_file(path: Path) -> dict[str, Any]:
    """A JSON object of outputs, e.g. saved with `pulumi stack output --json > outputs.json`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise StackOutputsError(f"outputs file {path} does not exist") from error
    except json.JSONDecodeError as error:
        raise StackOutputsError(f"outputs file {path} is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise StackOutputsError(f"outputs file {path} must hold a JSON object of output names to values")
    # `onboarding-migration local up --json` prints {"endpoint_url": ..., "outputs": {...}}: take either.
    if isinstance(document.get("outputs"), dict) and "endpoint_url" in document:
        return document["outputs"]
    return document


def recorded_endpoint(path: Path) -> str | None:
    """The endpoint a `local up --json` outputs file records (None for plain stack outputs): commands
    given such a file talk to that endpoint, never to AWS by accident."""
    document = json.loads(path.read_text(encoding="utf-8"))
    endpoint = document.get("endpoint_url") if isinstance(document, dict) else None
    return endpoint if isinstance(endpoint, str) and endpoint else None


def load_pulumi_outputs(stack: str | None = None, cwd: Path | None = None) -> dict[str, Any]:
    """Run `pulumi stack output --json` (for `stack`, or the selected stack) in `cwd`."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise StackOutputsError("the pulumi CLI is not on PATH: pass --outputs FILE instead")
    command = [pulumi, "stack", "output", "--json"]
    if stack:
        command += ["--stack", stack]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise StackOutputsError(f"`{' '.join(command[1:])}` failed: {completed.stderr.strip()}")
    try:
        document = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise StackOutputsError(
            f"`pulumi stack output --json` printed something that is not JSON: {error}"
        ) from error
    if not isinstance(document, dict):
        raise StackOutputsError("`pulumi stack output --json` did not print a JSON object")
    return document


def resolve_outputs(outputs_file: Path | None = None, stack: str | None = None) -> StackOutputs:
    """From the file when one is given, otherwise from Pulumi."""
    raw = load_outputs_file(outputs_file) if outputs_file is not None else load_pulumi_outputs(stack)
    return StackOutputs.from_mapping(raw)
