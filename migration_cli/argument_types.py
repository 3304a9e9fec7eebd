"""argparse types that refuse a bad value with one `error:` line naming the option's range (exit 2)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any


def integer_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    return parse


def fraction(text: str) -> float:
    """A number from 0 to 1 (a rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text}")
    return value


def stack_config_pair(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` Pulumi config; a bare key is in the ``onboarding`` namespace, a JSON value is decoded."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key = key if ":" in key else f"onboarding:{key}"
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value
