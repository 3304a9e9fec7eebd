"""Run the whole Pulumi program (or one component) under mocks and capture every registered resource.

The run goes through the project's one mocks engine (``embedded_aws.stack_deploy.engine``), the same one
the local deploy and ``local preview`` use; the engine documents the Pulumi mocks facts it relies on
(mocks set before anything is constructed, a fresh root stack and config per run, ``preview=False``
with complete outputs). What stays here is what these tests want of it: the region and account they
assert on, an answer for the Powertools layer lookup, config keys in the project's namespace, and
numbers arriving as floats, nested inputs in camelCase.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedded_aws.stack_deploy.engine import STACK_TYPE, MocksRun, Registration, run_under_mocks
from embedded_aws.stack_deploy.mocks import DeclaredMocks
from embedded_aws.stack_deploy.program import run_program as run_project_program
from onboarding_stack.function_names import ALL_FUNCTIONS
from onboarding_stack.settings import CONFIG_NAMESPACE

PROJECT_DIR = Path(__file__).resolve().parents[3]
PROJECT = "onboarding-migration"
STACK = "test"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
FUNCTION_NAMES = ALL_FUNCTIONS

# One resource as the program registered it (type, name, parent, inputs, outputs, ignore_changes ...).
RegisteredResource = Registration


@dataclass
class CapturedStack:
    """Everything one program run registered, plus its exports and invokes."""

    resources: list[RegisteredResource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def by_urn(self, urn: str) -> RegisteredResource:
        matches = [resource for resource in self.resources if resource.urn == urn]
        assert len(matches) == 1, f"expected one resource with URN {urn}, found {len(matches)}"
        return matches[0]

    def one(self, type_: str, **outputs: Any) -> RegisteredResource:
        """The single resource of a type whose outputs have the given values."""
        matches = [
            resource
            for resource in self.of_type(type_)
            if all(resource.outputs.get(key) == value for key, value in outputs.items())
        ]
        assert len(matches) == 1, f"expected one {type_} with {outputs}, found {len(matches)}"
        return matches[0]

    def children_of(self, parent: RegisteredResource, type_: str | None = None) -> list[RegisteredResource]:
        return [
            resource
            for resource in self.resources
            if resource.parent == parent.urn and (type_ is None or resource.type == type_)
        ]

    def policy_documents(self) -> Iterator[tuple[RegisteredResource, dict[str, Any]]]:
        """Every policy document anywhere in any resource's inputs (a JSON string with a Statement)."""
        for resource in self.resources:
            for document in _policy_documents_in(resource.inputs):
                yield resource, document


def _policy_documents_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _policy_documents_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _policy_documents_in(item)
    elif isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return
        if isinstance(parsed, dict) and "Statement" in parsed:
            yield parsed


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | dict) else list(value)


def powertools_layer_of_parameter(name: str) -> str:
    """The public Powertools SSM parameter's value: the layer ARN, tagged with the release looked up."""
    version = name.rsplit("/", 1)[-1]
    layer = f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64"
    return f"{layer}:ssm-{version}"


def stack_mocks(
    existing_queues: tuple[str, ...] = (), existing_tables: Mapping[str, Mapping[str, Any]] | None = None
) -> DeclaredMocks:
    return DeclaredMocks(
        REGION,
        ACCOUNT,
        parameter_value=powertools_layer_of_parameter,
        existing_queues=existing_queues,
        existing_tables=existing_tables,
    )


def _captured(run: MocksRun) -> CapturedStack:
    return CapturedStack(
        resources=list(run.registrations),
        exports=dict(run.outputs),
        calls=[(invoke.token, invoke.args) for invoke in run.invokes],
    )


def _onboarding_config(config: Mapping[str, str] | None) -> dict[str, str]:
    return {f"{CONFIG_NAMESPACE}:{key}": value for key, value in (config or {}).items()}


def run_in_mocks(build: Callable[[], Any], config: Mapping[str, str] | None = None) -> CapturedStack:
    """Run `build` under fresh mocks and wait for every resource and output to settle."""
    run = run_under_mocks(
        build, stack_mocks(), project=PROJECT, stack=STACK, config=_onboarding_config(config)
    )
    return _captured(run)


def run_program(
    config: Mapping[str, str] | None = None,
    program_dir: Path = PROJECT_DIR,
    existing_queues: tuple[str, ...] = (),
    existing_tables: Mapping[str, Mapping[str, Any]] | None = None,
) -> CapturedStack:
    """Run the real `__main__.py` the way `pulumi up` would, but against mocks (which find the given
    existing queues and tables, as `get_queue` / `get_table` would on AWS)."""
    mocks = stack_mocks(existing_queues, existing_tables)
    return _captured(run_project_program(program_dir, mocks, STACK, _onboarding_config(config)))


__all__ = [
    "ACCOUNT",
    "FUNCTION_NAMES",
    "REGION",
    "STACK_TYPE",
    "CapturedStack",
    "RegisteredResource",
    "as_list",
    "run_in_mocks",
    "run_program",
    "statements",
]
