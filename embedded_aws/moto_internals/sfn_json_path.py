"""A reference path with literal indices (``$.tasks[0].Status``) selects one value, as on AWS.

AWS, "Reference paths" (Step Functions developer guide, "Using JSONPath paths"): a reference path such
as ``$.a[0].b`` identifies a single node and yields its value. moto 5.2.5's ``extract_json`` wraps the
value in a list whenever a match's parent was reached through an index (its own fix for moto issue
7825), so ``$.tasks[0].Status`` yields ``["COMPLETED"]`` and every Choice comparison on it
(``StringEquals``, ``NumericEquals``, ``BooleanEquals``, timestamps) is false; ``IsPresent`` still
answers true. A Choice written for AWS then takes its Default locally (the migration's move-task probe
never saw COMPLETED).

Paths with a wildcard, a slice or a filter keep moto's behaviour (a list), which matches AWS for them.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py): the module-level
name
``extract_json(path, data)`` imported by the modules in ``IMPORTERS``; ``NoSuchJsonPathError``.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from jsonpath_ng.ext import parse
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from embedded_aws.moto_internals.patching import PatchSet

# Modules that hold their own reference to moto's extract_json (bound at their import).
IMPORTERS = (
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.string_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.timestamp_operators",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.eval.states",
    "embedded_aws.moto_internals.sfn_variables",
)
# `$`, then field names (`.name`) and literal indices (`[3]`) only: one node at most.
_DEFINITE_PATH = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*")


def is_definite(path: str) -> bool:
    return _DEFINITE_PATH.fullmatch(path) is not None


def install(patches: PatchSet) -> None:
    original = json_path.extract_json

    def extract_json(path: str, data: Any) -> Any:
        if not is_definite(path):
            return original(path, data)
        matches = parse(path).find(data)
        if not matches:
            raise NoSuchJsonPathError(json_path=path, data=data)
        return matches[0].value

    for name in IMPORTERS:
        module = importlib.import_module(name)
        if getattr(module, "extract_json", None) is original:
            patches.replace(module, "extract_json", extract_json)
    patches.replace(json_path, "extract_json", extract_json)
