"""One embedded emulator per test module (moto keeps process-wide state); a fresh stub stack per test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from embedded_aws import EmbeddedAws
from tests.functional.statemachine.stub_stack import StubStack, build_stub_stack


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedAws]:
    # moto's Step Functions engine logs every caught task failure with a full repr of the state: noise here.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    with EmbeddedAws() as aws:
        yield aws


@pytest.fixture
def stub_stack(emulator: EmbeddedAws) -> Iterator[StubStack]:
    stack = build_stub_stack(emulator)
    yield stack
    stack.tear_down()
