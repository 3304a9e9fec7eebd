"""Workflow variables read from JSONPath states: ``"n.$": "$n"``, ``States.MathAdd($n, 1)``, ``$order.id``.

AWS, "Passing data between states with variables"
(https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html): in a JSONPath state a
variable is referenced as ``$name`` (optionally followed by a JSONPath into its value, ``$name.field``)
in ``Parameters``, ``Assign``, ``ResultSelector``, Choice rules and as intrinsic function arguments.

moto 5.2.5 parses these references but evaluates every one of them as a JSONata expression, and its
JSONata evaluator is not wired (``None``), so each ended in ``States.Runtime`` (``'NoneType' object is
not callable``). In JSONPath mode a reference is only a variable lookup plus a JSONPath, which is what is
done here; JSONata states keep moto's path.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``StringVariableSample._eval_body(env)`` with ``query_language_mode`` and ``expression`` (``"$n"``,
``"$n.a"``); ``env.variable_store.get(name)``; ``extract_json(path, data)``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode
from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringVariableSample
from moto.stepfunctions.parser.asl.utils.json_path import extract_json

from embedded_aws.moto_internals.patching import PatchSet

_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(.*)", re.DOTALL)


def resolve(expression: str, read_variable: Any) -> Any:
    """The value ``$name`` or ``$name<json path>`` refers to (``read_variable(name)`` gives a value)."""
    match = _REFERENCE.fullmatch(expression)
    if match is None:
        raise ValueError(f"not a variable reference: {expression!r}")
    name, path = match.groups()
    value = copy.deepcopy(read_variable(name))  # a later Assign must not change what was read
    return extract_json("$" + path, value) if path else value


def install(patches: PatchSet) -> None:
    original = StringVariableSample._eval_body

    def eval_body(self: StringVariableSample, env: Any) -> None:
        if self.query_language_mode != QueryLanguageMode.JSONPath or not _REFERENCE.fullmatch(
            self.expression
        ):
            original(self, env)
            return
        env.stack.append(resolve(self.expression, env.variable_store.get))

    patches.replace(StringVariableSample, "_eval_body", eval_body)
