"""argparse types that refuse a bad value with one `error:` line naming the option's range (exit 2)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from migration_runtime.record_mapping import DEFAULT_MAPPING


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


def positive_number_at_most(maximum: float) -> Callable[[str], float]:
    """A number above 0 and at most ``maximum`` (a rate)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not 0.0 < value <= maximum:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {maximum:g}, got {text}")
        return value

    return parse


def key_json_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE as JSON (``true``, ``8``); text that is not JSON stays a string, which the
    check of that key then refuses with its allowed type and range."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def stack_config_pair(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` Pulumi config; a bare key is in the ``onboarding`` namespace, a JSON value is decoded.
    A key of that namespace the stack does not read is refused (a typo would otherwise change nothing)."""
    # Imported here: the stack's settings bring Pulumi, which only the local commands need.
    from onboarding_stack.settings import CONFIG_NAMESPACE, config_keys

    key, value = key_json_value(text)
    key = key if ":" in key else f"{CONFIG_NAMESPACE}:{key}"
    namespace, _, name = key.partition(":")
    known_keys = config_keys()
    if namespace == CONFIG_NAMESPACE and name not in known_keys:
        known = ", ".join(sorted(known_keys))
        raise argparse.ArgumentTypeError(f"unknown key {key!r}; the stack reads: {known}")
    return key, value


def add_mapping_argument(parser: argparse.ArgumentParser | Any) -> None:
    """``--mapping NAME``: the record mapping the stack runs (its ``recordMapping``) and the demo data."""
    parser.add_argument(
        "--mapping",
        default=DEFAULT_MAPPING,
        metavar="NAME",
        help=f"record mapping (record_mappings/NAME) and its demo data (default {DEFAULT_MAPPING})",
    )


def add_stack_arguments(parser: argparse.ArgumentParser | Any, example: str) -> None:
    """``--stack-config KEY=VALUE`` (repeatable) and ``--program-dir``, as every local command takes them."""
    parser.add_argument(
        "--stack-config",
        type=stack_config_pair,
        action="append",
        metavar="KEY=VALUE",
        help=f"Pulumi config on top of Pulumi.<stack>.yaml, e.g. {example} (repeatable)",
    )
    parser.add_argument(
        "--program-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the Pulumi project directory (default: found from the current directory upwards)",
    )


def output_file(text: str) -> Path:
    """A file to write: its folder must exist and the path must not be a folder (checked before any work,
    so a long run does not end unable to write its result)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"is a folder, not a file: {text!r}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"its folder does not exist: {str(path.parent)!r}")
    return path
