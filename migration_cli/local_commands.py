"""``onboarding-migration local ...``: the stack on this machine, on the embedded AWS emulator.

Each subcommand is a registrar in ``LOCAL_SUBCOMMANDS`` that adds itself to the ``local`` group, so new
ones (``local run``) are added without touching the others.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from demo_data.demo_set import DemoDataSet, NoDemoData
from embedded_aws.emulator import DUMMY_CREDENTIALS
from embedded_aws.local_stack import LocalStack, find_program_dir, local_stack
from embedded_aws.stack_deploy import DEFAULT_STACK, UnsupportedInvoke, UnsupportedResourceType
from embedded_aws.stack_deploy.preview import preview_document, preview_stack, render_preview
from embedded_aws.stack_deploy.program import project_name
from migration_cli.argument_types import (
    add_mapping_argument,
    add_stack_arguments,
    integer_at_least,
    output_file,
)
from migration_cli.local_data_loading import legacy_data_from, write_legacy_records, write_lookup_items
from migration_cli.local_run_command import add_local_run_parser
from migration_cli.local_run_options import RECORD_MAPPING_CONFIG_KEY, LocalRunError
from migration_cli.stack_outputs import lookup_table_names
from migration_runtime.record_mapping import UnknownMapping, load_mapping

LocalRegistrar = Callable[[Any], None]


def _raise_keyboard_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def describe(stack: LocalStack) -> dict[str, Any]:
    """What a user needs to talk to the running stack."""
    return {
        "endpoint_url": stack.aws.endpoint_url,
        "region": stack.aws.region,
        "credentials": {
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        },
        "outputs": stack.outputs,
    }


def print_description(description: dict[str, Any], as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(description) + "\n")
    else:
        endpoint = description["endpoint_url"]
        out.write(f"Local stack running at {endpoint} ({description['region']})\n\n")
        out.write("Use it with any AWS SDK or the AWS CLI:\n")
        out.write(f"  export AWS_ENDPOINT_URL={endpoint} AWS_DEFAULT_REGION={description['region']}\n")
        credentials = " ".join(f"{key}={value}" for key, value in description["credentials"].items())
        out.write(f"  export {credentials}\n\n")
        out.write("Stack outputs:\n")
        width = max((len(name) for name in description["outputs"]), default=0)
        for name, value in sorted(description["outputs"].items()):
            out.write(f"  {name.ljust(width)}  {value}\n")
    out.flush()


def _seed_data(stack: LocalStack, data: DemoDataSet, mapping_name: str) -> None:
    records = data.legacy_records
    if data.lookup_items:
        table_names = lookup_table_names(stack.outputs)
        write_lookup_items(stack.aws.client("dynamodb"), table_names, data.lookup_items)
    if records:
        dynamodb = stack.aws.client("dynamodb")
        id_field = load_mapping(mapping_name).record_id_field
        write_legacy_records(dynamodb, stack.outputs["legacy_table_name"], records, id_field=id_field)
        print(
            f"loaded {len(records):,} legacy records into {stack.outputs['legacy_table_name']}",
            file=sys.stderr,
        )


def _write_outputs_file(path: Path, description: dict[str, Any]) -> None:
    # Written whole, then renamed: a script waiting for the file never reads half of it.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(description) + "\n", encoding="utf-8")
    partial.replace(path)


def next_commands(outputs_file: Path | None) -> list[str]:
    """What to run next against the local stack (the commands read the endpoint from the outputs file)."""
    if outputs_file is None:
        return [
            "write the outputs to a file with --outputs-file local.json, then run the migration against it"
        ]
    target = f"--outputs {outputs_file}"
    return [
        f"onboarding-migration plan {target}",
        f"onboarding-migration start {target}",
        f"onboarding-migration watch ID {target}",
        f"onboarding-migration report ID {target}",
    ]


def up(args: argparse.Namespace) -> int:
    try:
        data = legacy_data_from(args.legacy_file, args.records, args.seed, args.mapping)
        config = {
            **dict(args.stack_config or []),
            RECORD_MAPPING_CONFIG_KEY: args.mapping,
        }
    except (LocalRunError, UnknownMapping, NoDemoData) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # A service manager stops with SIGTERM: shut down as cleanly as on Ctrl-C. A shell starts background
    # jobs (`... &`, nohup, some CI runners) with SIGINT ignored, and Python then leaves it ignored:
    # SIGINT is made to stop the emulator however it was started.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    previous_interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with local_stack(port=args.port, program_dir=args.program_dir, config=config) as stack:
            _seed_data(stack, data, args.mapping)
            description = describe(stack)
            if args.outputs_file is not None:
                _write_outputs_file(args.outputs_file, description)
            print_description(description, args.json, sys.stdout)
            print(
                "next:\n" + "\n".join(f"  {command}" for command in next_commands(args.outputs_file)),
                file=sys.stderr,
            )
            print("Serving until interrupted (Ctrl-C).", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    except (ValueError, TypeError) as error:
        # The program's own checks (components validate their args) refuse a bad --stack-config.
        print(f"error: the stack cannot be built with this configuration: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        # Typically: the requested port is taken.
        print(f"cannot start the local emulator: {error}", file=sys.stderr)
        return 1
    except (UnsupportedResourceType, UnsupportedInvoke) as error:
        print(f"cannot deploy the stack locally: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_interrupt)


def register_up(local_commands: Any) -> None:
    parser = local_commands.add_parser(
        "up",
        help="start the embedded AWS emulator, deploy the stack into it and serve until interrupted",
        description=(
            "Start the embedded AWS emulator on 127.0.0.1, deploy the Pulumi program into it (the same "
            "__main__.py as `pulumi up`), load legacy records if asked, print the endpoint and the stack "
            "outputs, and serve until interrupted. Point the AWS CLI or boto3 at the endpoint "
            "(--endpoint-url / AWS_ENDPOINT_URL), or the other commands at the outputs file."
        ),
        epilog="example: onboarding-migration local up --records 1000 --outputs-file local.json",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--json", action="store_true", help="print the endpoint and outputs as one JSON line")
    parser.add_argument(
        "--outputs-file",
        type=output_file,
        default=None,
        metavar="FILE",
        help="also write the endpoint and outputs there (what --outputs of the other commands reads)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--records",
        type=integer_at_least(0),
        default=0,
        help="synthetic legacy records to load (default 0: an empty legacy table)",
    )
    source.add_argument(
        "--legacy-file", type=Path, default=None, help="JSON Lines, one legacy record per line, to load"
    )
    parser.add_argument("--seed", default="demo", help="seed of the synthetic data (default demo)")
    add_mapping_argument(parser)
    add_stack_arguments(parser, example="migrateMaxConcurrency=4")
    parser.set_defaults(handler=up)


def preview(args: argparse.Namespace) -> int:
    program_dir = args.program_dir or find_program_dir()
    try:
        tree = preview_stack(program_dir, stack=args.stack, config=dict(args.stack_config or []))
    except (ValueError, TypeError) as error:
        # The program's own checks (components validate their args) refuse a bad --stack-config.
        print(f"error: the stack cannot be built with this configuration: {error}", file=sys.stderr)
        return 2
    except UnsupportedInvoke as error:
        print(f"cannot preview the stack: {error}", file=sys.stderr)
        return 1
    if args.json:
        document = preview_document(tree, project=project_name(Path(program_dir)), stack=args.stack)
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        sys.stdout.write(render_preview(tree))
    return 0


def register_preview(local_commands: Any) -> None:
    parser = local_commands.add_parser(
        "preview",
        help="print the resources the stack would create (type, name, parent), deploying nothing",
        description=(
            "Run the Pulumi program (the same __main__.py as `pulumi up`) under mocks that create nothing "
            "and print the resource tree it would create, like `pulumi preview` on a new stack: each "
            "resource's type and logical name under its parent component, then the count. No AWS account, "
            "no emulator."
        ),
        epilog="example: onboarding-migration local preview --stack-config alarmEmail=ops@example.com",
    )
    add_stack_arguments(parser, example="intakeBatchSize=5")
    parser.add_argument(
        "--stack", default=DEFAULT_STACK, help=f"stack name, for its config file (default {DEFAULT_STACK})"
    )
    parser.add_argument("--json", action="store_true", help="print the tree as one JSON object")
    parser.set_defaults(handler=preview)


# `local run` (the full local migration) is added here by its own registrar.
LOCAL_SUBCOMMANDS: list[LocalRegistrar] = [register_up, register_preview, add_local_run_parser]


def register(subcommands: Any) -> None:
    local = subcommands.add_parser(
        "local",
        help="run the stack on this machine, on the embedded AWS emulator (no AWS account, no Docker)",
        description="Run the stack on this machine, on the embedded AWS emulator.",
        epilog="example: onboarding-migration local run --records 1000",
    )
    local_commands = local.add_subparsers(dest="local_command", required=True, metavar="LOCAL_COMMAND")
    for registrar in LOCAL_SUBCOMMANDS:
        registrar(local_commands)
