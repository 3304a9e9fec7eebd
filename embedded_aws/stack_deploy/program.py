"""Runs a Pulumi program under mocks, to completion, and returns its registrations and stack outputs.

The run happens in a thread of its own: Pulumi keeps its settings, root stack and config in context
variables, and a new thread starts from an empty context, so each run gets a fresh root stack and
cannot disturb (or be disturbed by) Pulumi mocks used elsewhere in the process, such as other tests.
``pulumi.runtime.test`` then waits until every resource is registered and every output resolved.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import config as pulumi_config
from pulumi.runtime.mocks import Mocks
from pulumi.runtime.settings import get_root_resource

from embedded_aws.stack_deploy.mocks import RecordingMonitor, Registration


@dataclass(frozen=True)
class ProgramRun:
    outputs: dict[str, Any]
    registrations: list[Registration]


def project_name(program_dir: Path) -> str:
    project_file = program_dir / "Pulumi.yaml"
    if project_file.is_file():
        return str(yaml.safe_load(project_file.read_text(encoding="utf-8"))["name"])
    return program_dir.name


def _config_text(value: Any) -> str:
    # Pulumi hands every config value to the program as a string; objects as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def stack_config(program_dir: Path, stack: str, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """``Pulumi.<stack>.yaml`` config (if any) with ``overrides`` on top; keys are ``namespace:key``."""
    values: dict[str, Any] = {}
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        values.update((yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}).get("config") or {})
    values.update(overrides or {})
    return {key: _config_text(value) for key, value in values.items()}


def run_program(
    program_dir: Path, mocks: Mocks, stack: str, config: dict[str, str] | None = None
) -> ProgramRun:
    program_dir = program_dir.resolve()
    outcome: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_about_failed_registrations)
        asyncio.set_event_loop(loop)
        try:
            outcome["run"] = _run_here(program_dir, mocks, stack, config or {})
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=run, name="pulumi-program", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["run"]


def _quiet_about_failed_registrations(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # When a registration fails, Pulumi leaves that resource's output futures holding the error, which
    # asyncio reports again when they are collected; the error itself is raised to the caller.
    if context.get("message") == "Future exception was never retrieved":
        return
    loop.default_exception_handler(context)


def _run_here(program_dir: Path, mocks: Mocks, stack: str, config: dict[str, str]) -> ProgramRun:
    if str(program_dir) not in sys.path:
        # The program imports its components as top-level packages, as `pulumi up` allows.
        sys.path.insert(0, str(program_dir))
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=project_name(program_dir), stack=stack, preview=False, monitor=monitor
    )
    pulumi_config.set_all_config(config)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?$")
            runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")
        root = get_root_resource()
        exported = dict(getattr(root, "outputs", {}) or {})
        return pulumi.Output.all(**exported).apply(outputs.update)

    program()
    return ProgramRun(outputs=outputs, registrations=list(monitor.registrations))
