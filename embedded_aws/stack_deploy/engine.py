"""The one Pulumi mocks engine: run a program (or any ``build`` callable) under mocks, to completion, and
return every resource it registered, every invoke it made and the stack's outputs.

The local deploy (``deploy_stack``: mocks that create each resource in the emulator), the declared view
(``record_program``, ``local preview``: mocks that only echo) and the Pulumi unit tests
(``tests/functional/stack``)
all run through ``run_under_mocks``; they differ only in the ``Mocks`` they pass.

Why each run gets a thread of its own (Pulumi's Python mocks keep their state per context):
- ``set_mocks`` stores the monitor, project, stack and preview flag in context variables
  (``pulumi.runtime.settings.SETTINGS``), and keeps the first root stack resource it finds (``ROOT``);
  the config is a context variable too (``pulumi.runtime.config.CONFIG``).
- A new thread starts from an empty context: each run gets a fresh root stack and only its own config,
  and leaves nothing behind in the caller's context. No reset before or after is needed, so a run cannot
  be disturbed by (or disturb) another run in the same process, whatever ran before it.
- Mocks must be set before anything is constructed, ``preview=False`` with complete outputs keeps every
  dependent ``Output`` known, and ``pulumi.runtime.test`` waits until every registration and output has
  settled: a run either returns the whole graph or raises what the program raised.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.sync_await import _ensure_event_loop

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One resource as the program registered it, and what the mocks answered."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    ignore_changes: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvokeCall:
    """One invoke (data source) the program made, such as ``aws:index/getRegion:getRegion``."""

    token: str
    args: dict[str, Any]


@dataclass(frozen=True)
class MocksRun:
    """Everything one run registered (the root stack apart), the invokes it made, and its exports."""

    stack_urn: str
    registrations: list[Registration]
    invokes: list[InvokeCall]
    outputs: dict[str, Any] = field(default_factory=dict)


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps every registration and every invoke, in the order they came."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.stack_urn = ""
        self.registrations: list[Registration] = []
        self.invokes: list[InvokeCall] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        registered = self.resources[response.urn]
        with self._lock:
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    id=registered.id or "",
                    inputs=inputs,
                    outputs=dict(registered.state),
                    ignore_changes=tuple(request.ignoreChanges),
                    dependencies=tuple(request.dependencies),
                )
            )
        return response

    def Invoke(self, request: Any) -> Any:
        _ensure_event_loop()
        call = InvokeCall(token=request.tok, args=dict(rpc.deserialize_properties(request.args)))
        with self._lock:
            self.invokes.append(call)
        return super().Invoke(request)


def run_under_mocks(
    build: Callable[[], Any],
    mocks: Mocks,
    *,
    project: str,
    stack: str,
    config: dict[str, str] | None = None,
) -> MocksRun:
    """Run ``build`` (a whole program, or one component) under ``mocks`` in a fresh Pulumi context.

    ``config`` keys are ``namespace:key`` and values strings, as Pulumi hands them to a program."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_about_failed_registrations)
        asyncio.set_event_loop(loop)
        try:
            outcome["run"] = _run_here(build, mocks, project, stack, config or {})
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=run, name="pulumi-mocks", daemon=True)
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


def _run_here(
    build: Callable[[], Any], mocks: Mocks, project: str, stack: str, config: dict[str, str]
) -> MocksRun:
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi_config.set_all_config(config)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        with warnings.catch_warnings():
            # pulumi_aws warns about its own deprecated members: silence exactly that, here only.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?$")
            build()
        exported = dict(getattr(get_root_resource(), "outputs", {}) or {})
        return pulumi.Output.all(**exported).apply(outputs.update)

    program()
    return MocksRun(
        stack_urn=monitor.stack_urn,
        registrations=list(monitor.registrations),
        invokes=list(monitor.invokes),
        outputs=outputs,
    )


__all__ = ["STACK_TYPE", "InvokeCall", "MocksRun", "RecordingMonitor", "Registration", "run_under_mocks"]
