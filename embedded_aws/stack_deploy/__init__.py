"""Deploy the Pulumi program into the embedded emulator, through the one Pulumi mocks engine (``engine``).

The very same ``__main__.py`` runs with ``preview=False``; each resource it registers is created in the
emulator by the adapter for its type, which returns the real identifiers, so outputs flow into
dependents (a state machine definition gets the emulator's ARNs and URLs) as with ``pulumi up``.
``record_program`` runs it through the same engine with mocks that create nothing: what it declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedded_aws.stack_deploy.adapters import ADAPTERS, DeployContext, UnsupportedResourceType
from embedded_aws.stack_deploy.adapters.base import DeployTarget
from embedded_aws.stack_deploy.engine import InvokeCall, Registration
from embedded_aws.stack_deploy.mocks import DeclaredMocks, EmulatorMocks, UnsupportedInvoke
from embedded_aws.stack_deploy.program import project_name, run_program, stack_config

DEFAULT_STACK = "local"
LOCAL_FAULT_INJECTION_KEY = "faultInjection"


@dataclass(frozen=True)
class Deployment:
    outputs: dict[str, Any]
    resources: list[Registration]
    stack_urn: str = ""
    invokes: list[InvokeCall] = field(default_factory=list)


def deploy_stack(
    target: DeployTarget,
    program_dir: Path | str = ".",
    stack: str = DEFAULT_STACK,
    config: dict[str, Any] | None = None,
    prewarm_functions: bool = True,
) -> Deployment:
    """Create every resource of the program in ``target`` (an ``EmbeddedAws``) and return the outputs."""
    program_dir = Path(program_dir)
    ctx = DeployContext(target, prewarm_functions=prewarm_functions)
    # Local runs inject faults (`local run --fail-*`): the archives carry fault_injection/ unless told not to.
    local = {f"{project_name(program_dir)}:{LOCAL_FAULT_INJECTION_KEY}": True, **(config or {})}
    run = run_program(program_dir, EmulatorMocks(ctx), stack, stack_config(program_dir, stack, local))
    return Deployment(run.outputs, run.registrations, run.stack_urn, run.invokes)


def record_program(
    program_dir: Path | str = ".",
    stack: str = DEFAULT_STACK,
    config: dict[str, Any] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> Deployment:
    """The program's own registrations under mocks that create nothing (no emulator): what it declares."""
    program_dir = Path(program_dir)
    run = run_program(
        program_dir, DeclaredMocks(region, account_id), stack, stack_config(program_dir, stack, config)
    )
    return Deployment(run.outputs, run.registrations, run.stack_urn, run.invokes)


__all__ = [
    "ADAPTERS",
    "DEFAULT_STACK",
    "Deployment",
    "Registration",
    "UnsupportedInvoke",
    "UnsupportedResourceType",
    "deploy_stack",
    "record_program",
]
