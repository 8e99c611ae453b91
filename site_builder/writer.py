"""The only module that writes the public output, and it writes each path once.

A build goes into a staging folder beside the target; only a complete build
replaces the target, by two renames, so a failed build leaves it untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class WriterError(Exception):
    pass


class Writer:
    def __init__(self, root: Path):
        self.root = root
        self.written: set[str] = set()

    def write(self, relative: str, data: str | bytes) -> Path:
        relative = relative.lstrip("/")
        if relative in self.written:
            raise WriterError(f"two outputs want the same path: {relative}")
        self.written.add(relative)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        return path

    def copy(self, source: Path, relative: str) -> None:
        self.write(relative, source.read_bytes())


def staging_dir(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))


def publish(staging: Path, target: Path) -> None:
    """Swap the finished build into place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def replace_file(path: Path, data: bytes) -> None:
    """Replace one file so that a reader (or a crash) sees the old or the new bytes,
    never a mix: a temporary file beside it, fsync, rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
