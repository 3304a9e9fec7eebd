"""How `local run` answers the gate: asked at a terminal when no policy was given, else by its policy."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from migration_cli.gate_prompt import ask_at_the_gate
from migration_cli.local_run_options import LocalRunOptions


def gate_answer(
    options: LocalRunOptions,
    redrives_done: int,
    err: TextIO,
    prompt: Callable[[], str] = lambda: "validation is not clean\n",
) -> str:
    """The gate's answer. A redrive policy turns into abort once ``max_redrives`` redrives are done, and
    no policy without a terminal is abort: the safe answer."""
    if options.gate is None and sys.stdin.isatty():
        return ask_at_the_gate(prompt(), sys.stdin.readline, err)
    policy = options.gate or "abort"
    if policy == "redrive" and redrives_done >= options.max_redrives:
        return "abort"
    return policy
