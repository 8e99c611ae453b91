"""The only module that writes the public output, and it writes each path once.

A build goes into a staging folder beside the target; only a complete build
replaces the target, by two renames, so a failed build leaves it untouched.

Operational state (the newsletter and SNS ledgers) is not output: it lives under
``state_path``, a folder that no clean, build or rebuild deletes.
"""

from __future__ import annotations

import errno
import fcntl
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
    _fsync_folder(path.parent)


# --- state: kept apart from anything generated ----------------------------------------

GENERATED_DIRS = ("site", ".cache", "dist")  # what `make clean` deletes (Makefile)


def state_path(root: Path, state_dir: str, *parts: str) -> Path:
    """``<root>/<state_dir>/<parts>``, resolved: where ledgers live. A WriterError when
    the folder leaves the project root or lies inside generated output."""
    base = root.resolve()
    folder = (base / state_dir).resolve()
    where = f"mkdocs.yml: extra.site_builder: state_dir: {state_dir!r}"
    if folder == base or not folder.is_relative_to(base):
        raise WriterError(f"{where} must name a folder inside the project ({base})")
    for generated in GENERATED_DIRS:
        if folder.is_relative_to(base / generated):
            raise WriterError(f"{where} is inside {generated}/, which `make clean` deletes; state must outlive a clean")
    path = folder.joinpath(*parts).resolve()
    if not path.is_relative_to(folder):
        raise WriterError(f"{where}: {'/'.join(parts)!r} leaves the state folder")
    return path


def move_file(source: Path, target: Path) -> None:
    """Move one file so that ``target`` appears whole or not at all: a rename on one file
    system; across file systems a copy beside ``target``, fsync and rename, then ``source``
    is removed. Holds an ``flock`` on ``source`` meanwhile (the newsletter sender's lock)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriterError(f"{source}: in use by another run; not moved") from None
        try:
            os.rename(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            replace_file(target, stream.read())
            source.unlink()
    for folder in dict.fromkeys((source.parent, target.parent)):
        _fsync_folder(folder)


def adopt_legacy(old: Path, new: Path, move: bool = True) -> tuple[Path, str | None]:
    """Where to read a state file from, and a line to print when it moved: ``new``,
    after moving ``old`` there if only ``old`` exists; a dry run (``move=False``) reads
    ``old`` in place."""
    if new.exists() or not old.is_file():
        return new, None
    if not move:
        return old, f"{old} would move to {new} (state is kept apart from output); read in place"
    try:
        move_file(old, new)
    except FileNotFoundError:
        if not new.exists():
            raise
        return new, None  # another run moved it first
    return new, f"moved {old} to {new}: state is kept apart from output, so a clean or a build never deletes it"


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
