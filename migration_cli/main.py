"""Entry point of `onboarding-migration`.

Each command lives in its own module that exposes ``register(subcommands)``; this file only wires
them together so that commands can be added without touching each other.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys
from collections.abc import Sequence

# Modules that register commands, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "migration_cli.execution_command_parsers",
    "migration_cli.plan_command",
    "migration_cli.local_commands",
)


def _version() -> str:
    try:
        return importlib.metadata.version("onboarding-migration")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without `make venv`
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onboarding-migration",
        description="Move a live SQS-fed onboarding service onto a new backend with nothing lost.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
