"""A Pulumi project on disk: its name (``Pulumi.yaml``), a stack's config (``Pulumi.<stack>.yaml``), and
its ``__main__.py`` run under mocks by the one engine (``engine.run_under_mocks``)."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime.mocks import Mocks

from embedded_aws.stack_deploy.engine import MocksRun, run_under_mocks


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
) -> MocksRun:
    """Run the project's ``__main__.py`` as ``pulumi up`` would, under ``mocks``, through the one engine."""
    program_dir = program_dir.resolve()

    def build() -> None:
        if str(program_dir) not in sys.path:
            # The program imports its components as top-level packages, as `pulumi up` allows.
            sys.path.insert(0, str(program_dir))
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")

    return run_under_mocks(build, mocks, project=project_name(program_dir), stack=stack, config=config)
