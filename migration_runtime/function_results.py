"""Recognise a function result from an execution history by the contract it names (``kind``), typed.

A document that names no known kind, or a version this code does not know, is no result (None): the
reader skips it rather than guess from the keys it has.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from migration_runtime.enqueue_result import EnqueueResult
from migration_runtime.validation_result import ValidationResult

FunctionResult = EnqueueResult | ValidationResult
_ADAPTER: TypeAdapter[FunctionResult] = TypeAdapter(
    Annotated[EnqueueResult | ValidationResult, Field(discriminator="kind")]
)


def parse_function_result(document: Any) -> FunctionResult | None:
    """The typed result, or None when ``document`` is not one of a known kind and version."""
    if not isinstance(document, dict) or "kind" not in document:
        return None
    try:
        return _ADAPTER.validate_python(document)
    except ValidationError:
        return None
