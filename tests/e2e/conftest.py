"""End-to-end runs: the real program deployed on the embedded runtime, the real functions and state machine.

Small data and short polls keep each run to seconds. `E2E_PROGRAM_DIR` points the tests at another Pulumi
project directory (default: this repository's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from embedded_aws.local_stack import LocalStack, local_stack
from tests.e2e.e2e_support import E2E_STACK_CONFIG, PROGRAM_DIR, reset_stack


@pytest.fixture(autouse=True, scope="session")
def _quiet_step_functions_engine() -> None:
    # moto's engine logs each failed execution with a full repr of the state; the tests read the outcome.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[LocalStack]:
    """One deployment per module: deploying and warming the functions costs more than a whole small run."""
    with local_stack(program_dir=PROGRAM_DIR, config=E2E_STACK_CONFIG) as stack:
        yield stack


@pytest.fixture
def deployed_stack(shared_stack: LocalStack) -> LocalStack:
    """The shared stack, reset to a freshly deployed state (see reset_stack)."""
    reset_stack(shared_stack)
    return shared_stack
