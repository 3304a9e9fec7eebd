"""Deployed archives unpacked once per code hash, like the read-only ``/var/task`` of a function."""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path


class CodeCache:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def directory_for(self, code_sha256: str, code_bytes: Callable[[], bytes]) -> Path:
        # The hash is base64 and may contain "/": keep the directory name file-system safe.
        target = self._root / code_sha256.replace("/", "_").replace("+", "-").rstrip("=")
        with self._lock:
            if target.is_dir():
                return target
            staging = Path(tempfile.mkdtemp(dir=self._root, prefix=".unpack-"))
            try:
                with zipfile.ZipFile(io.BytesIO(code_bytes())) as archive:
                    archive.extractall(staging)
                staging.rename(target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            return target
