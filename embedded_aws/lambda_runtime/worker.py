"""One warm worker process: the parent side of ``bootstrap.py``."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run by path, not imported: the worker must not put the project (or this package) on its sys.path.
# runpy does not add a file's directory to sys.path; "-c" makes sys.path[0] the working directory, the
# unpacked archive, as /var/task is on AWS.
_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_BOOTSTRAP_COMMAND = f"import runpy; runpy.run_path({str(_BOOTSTRAP)!r}, run_name='__main__')"
_EOF = object()


@dataclass(frozen=True)
class Reply:
    """What the worker answered, or why it did not."""

    message: dict[str, Any] | None
    timed_out: bool = False
    exit_code: int | None = None


class Worker:
    """A Python process running one function's handler, reused across invocations."""

    def __init__(self, worker_id: str, code_dir: Path, env: dict[str, str], log_dir: Path) -> None:
        self.worker_id = worker_id
        self.ready = False
        self.idle_since = 0.0
        self.log_path = log_dir / f"{self.worker_id}.log"
        # Append mode: the runner empties the file between invocations while the child keeps writing at
        # the end, whatever its descriptor's offset.
        with self.log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP_COMMAND],
                cwd=code_dir,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                # Own process group: a timeout kills the handler's children too.
                start_new_session=os.name == "posix",
            )
        self._replies: queue.Queue[Any] = queue.Queue()
        self._reader = threading.Thread(target=self._read_replies, name=f"lambda-worker-{self.worker_id}")
        self._reader.daemon = True
        self._reader.start()

    def _read_replies(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                self._replies.put(json.loads(line))
            except ValueError:
                continue
        self._replies.put(_EOF)

    def wait(self, timeout: float) -> Reply:
        """The next reply, or a timed-out / exited marker."""
        try:
            message = self._replies.get(timeout=timeout)
        except queue.Empty:
            return Reply(None, timed_out=True)
        if message is _EOF:
            return Reply(None, exit_code=self._process.wait())
        return Reply(message)

    def send(self, request: dict[str, Any]) -> bool:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def take_logs(self) -> str:
        """Everything written since the last call, then empty the log."""
        try:
            data = self.log_path.read_bytes()
            os.truncate(self.log_path, 0)
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace")

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        if self._process.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self._process.pid, signal.SIGKILL)
                else:
                    self._process.kill()
            except ProcessLookupError:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        # The reader sees end-of-file once the process is gone; close the pipes only after it stopped.
        self._reader.join(timeout=1)
        streams = [self._process.stdin] + ([] if self._reader.is_alive() else [self._process.stdout])
        for stream in streams:
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.log_path.unlink(missing_ok=True)
