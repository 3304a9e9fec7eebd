"""Turning `migrate_record`'s fault injection on and off in a running local stack (its environment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migration_runtime import settings as env


def set_function_environment(lambda_client: Any, function_name: str, **variables: str) -> None:
    """Merge ``variables`` into the function's environment (the others stay as they are)."""
    current = lambda_client.get_function_configuration(FunctionName=function_name)
    merged = {**current.get("Environment", {}).get("Variables", {}), **variables}
    lambda_client.update_function_configuration(FunctionName=function_name, Environment={"Variables": merged})


def inject_faults(
    lambda_client: Any, function_name: str, *, transient_rate: float, permanent_ids: Sequence[str]
) -> None:
    """Make that fraction of write attempts fail transiently, and these records fail every time."""
    set_function_environment(
        lambda_client,
        function_name,
        **{
            env.FAULT_TRANSIENT_RATE: str(transient_rate),
            env.FAULT_PERMANENT_IDS: ",".join(permanent_ids),
        },
    )


def lift_faults(lambda_client: Any, function_name: str) -> None:
    """What a person does before a redrive: fix the cause (here, stop injecting faults)."""
    inject_faults(lambda_client, function_name, transient_rate=0, permanent_ids=())
