"""EventBridge rules deliver to Lambda targets, through the runtime's Lambda runner.

moto 5.2.5 delivers a matched event to log groups, archives, SQS queues and other buses only; a Lambda
target makes ``PutEvents`` fail with ``NotImplementedError``. AWS invokes a Lambda target asynchronously
with the event itself, or with what the target's ``Input``, ``InputPath`` or ``InputTransformer`` makes
of it (EventBridge user guide, "Targets" and "Transforming target input":
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html); a DISABLED
rule delivers nothing. Lambda targets are handed to ``deliver(function_arn, event)`` here, every other
target still goes through moto.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``moto.events.models.Rule.send_to_targets(self, original_event, transform_input=True)`` with ``targets``
(dicts with ``Arn``, ``Input``, ``InputPath``, ``InputTransformer``), ``state`` and
``event_pattern.matches_event``; ``moto.events.utils.EventTemplateParser.parse``; the moto-only
``ingestion-time`` key of the event message.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from jsonpath_ng.ext import parse as parse_json_path
from moto.events.models import Rule
from moto.events.utils import EventTemplateParser

from embedded_aws.moto_internals.patching import PatchSet

LambdaDelivery = Callable[[str, Any], None]
_MOTO_ONLY_KEYS = ("ingestion-time",)


def _is_lambda(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).split(":")[2:3] == ["lambda"]


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What EventBridge hands the target for ``event`` (at most one of the three options is set)."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        found = parse_json_path(target["InputPath"]).find(event)
        return found[0].value if found else None
    transformer = target.get("InputTransformer")
    if transformer:
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return {key: value for key, value in event.items() if key not in _MOTO_ONLY_KEYS}


def install(patches: PatchSet, deliver: LambdaDelivery) -> None:
    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        lambda_targets = [target for target in self.targets if _is_lambda(target)]
        if not lambda_targets:
            original(self, original_event, transform_input)
            return
        if self.state == "ENABLED" and self.event_pattern.matches_event(original_event):
            for target in lambda_targets:
                deliver(target["Arn"], target_input(target, original_event))
        others = [target for target in self.targets if not _is_lambda(target)]
        if others:
            view = copy.copy(self)  # moto's own delivery sees the other targets only
            view.targets = others
            original(view, original_event, transform_input)

    patches.replace(Rule, "send_to_targets", send_to_targets)
