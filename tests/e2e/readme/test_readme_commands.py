"""Every command the README marks runnable runs, as shown, against the embedded local runtime.

Each block runs in its own working directory (with `venv` linked to the project's), under `bash -eo
pipefail`, so a failing command fails the test with the block's line in the README; background jobs it
starts (`local up ... &`) are stopped when it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.readme.readme_blocks import README, ShellBlock, runnable_blocks

PROJECT_ROOT = README.parent
BLOCKS = runnable_blocks(README.read_text(encoding="utf-8"))
# A block is a handful of small local runs; this only bounds a hang.
BLOCK_TIMEOUT_SECONDS = 900


def test_the_readme_parser_finds_only_marked_blocks():
    # GIVEN a text with a runnable block, a plain sh block and a python block
    text = "intro\n```sh runnable\necho one\n```\n\n```sh\necho two\n```\n```python\nprint(3)\n```\n"

    # WHEN extracting the runnable blocks
    blocks = runnable_blocks(text)

    # THEN only the marked one is found, with its line and body
    assert blocks == [ShellBlock(line=2, script="echo one\n")]


def test_the_readme_marks_commands_runnable():
    # THEN the local run example, the step-by-step walkthrough and the preview are all run
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[block.label for block in BLOCKS])
def test_readme_block_runs(block: ShellBlock, tmp_path: Path):
    # GIVEN a fresh working directory where `venv/bin/...` is this project's environment
    (tmp_path / "venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    environment = {**os.environ, "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ['PATH']}"}

    # WHEN running the block as a script
    process = subprocess.Popen(
        ["bash", "-eo", "pipefail", "-c", block.script],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=BLOCK_TIMEOUT_SECONDS)
    finally:
        # Whatever the block left running in the background (a `local up`) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)

    # THEN it succeeds
    assert process.returncode == 0, f"{block.label} exited {process.returncode}:\n{output[-4000:]}"
