"""The whole stack running locally: the emulator started and the Pulumi program deployed into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedded_aws.emulator import EmbeddedAws
from embedded_aws.heap_tuning import limit_malloc_arenas
from embedded_aws.stack_deploy import DEFAULT_STACK, Deployment, deploy_stack
from migration_runtime.aws_limits import STATES_MAX_HISTORY_EVENTS

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def find_program_dir(start: Path | None = None) -> Path:
    """The Pulumi project: the first directory from ``start`` upwards with Pulumi.yaml and __main__.py,
    else the project this package belongs to."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "Pulumi.yaml").is_file() and (directory / "__main__.py").is_file():
            return directory
    return _PROJECT_ROOT


@dataclass(frozen=True)
class LocalStack:
    aws: EmbeddedAws
    deployment: Deployment

    @property
    def outputs(self) -> dict[str, Any]:
        return self.deployment.outputs


@contextmanager
def local_stack(
    port: int = 0,
    program_dir: Path | None = None,
    stack: str = DEFAULT_STACK,
    config: dict[str, Any] | None = None,
    states_history_quota: int = STATES_MAX_HISTORY_EVENTS,
) -> Iterator[LocalStack]:
    """Start the emulator, deploy the program, yield both; stop everything on exit.

    ``states_history_quota``: the events at which an execution fails (AWS: 25,000), lower to test it."""
    limit_malloc_arenas()  # before the emulator's threads start, so that none gets an arena of its own
    with EmbeddedAws(port=port, states_history_quota=states_history_quota) as aws:
        deployment = deploy_stack(aws, program_dir or find_program_dir(), stack=stack, config=config)
        aws.freeze_long_lived_objects()
        yield LocalStack(aws=aws, deployment=deployment)
