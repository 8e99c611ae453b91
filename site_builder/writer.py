"""The only module that writes the public output, and it writes each path once.

A build goes into a staging folder beside the target; only a complete build
replaces the target, and in one step where the system allows it (Linux
``renameat2`` with ``RENAME_EXCHANGE``), so that the target is never missing: a
reader, or a build killed at any moment, sees the old site or the new one. A
failed build leaves the target untouched. Everything written follows the umask
(0755 folders and 0644 files with the usual 022), so a web server can read it.

Operational state (the newsletter and SNS ledgers) is not output: it lives under
``state_path``, a folder that no clean, build or rebuild deletes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import platform
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
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


class BuildBusy(WriterError):
    """Another build of the same target holds its lock."""


class BuildFailed(WriterError):
    """The machine stopped the build (disk full, no permission…); the published site is unchanged."""


# OS errors that are the machine's condition, not a fault of the program: what they are, and what to do.
MACHINE_ERRORS = {
    errno.ENOSPC: ("no space left on device", "free some space"),
    errno.EDQUOT: ("disk quota exceeded", "free some space (or raise the quota)"),
    errno.EACCES: ("permission denied", "give this user access to it"),
    errno.EPERM: ("operation not permitted", "give this user access to it"),
    errno.EROFS: ("read-only file system", "make it writable (or write elsewhere)"),
    errno.EIO: ("input/output error", "check the disk"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n)"),
    errno.ENFILE: ("too many open files in the system", "close some programs"),
}


def staging_dir(target: Path) -> Path:
    """A new empty folder ``.<target>.build-<random>`` beside ``target``, its mode from the umask."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return _new_beside(target.parent, f".{target.name}.build-", "", lambda path: os.mkdir(path, 0o777))[1]


def _new_beside(folder: Path, prefix: str, suffix: str, make: Callable[[Path], object]) -> tuple[object, Path]:
    """``make(path)`` for a fresh random name in ``folder`` (what ``tempfile`` does, but
    ``tempfile`` gives 0700 folders and 0600 files whatever the umask)."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return make(path), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder / prefix))


def _stale_pattern(target: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(target.name)}\.(?:build|old)-[a-z0-9_]+")


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Hold an ``flock`` on ``.<target>.lock`` beside ``target`` for a whole build: a second
    build of the same target stops at once with :class:`BuildBusy`. The file is removed
    as the lock is let go (a build that finds its file gone takes the new one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.with_name(f".{target.name}.lock")
    handle = _lock(path, target)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(handle)


def _lock(path: Path, target: Path) -> int:
    for _ in range(100):
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            break
        try:
            mine = os.stat(path)
        except FileNotFoundError:
            mine = None
        held = os.fstat(handle)
        if mine is not None and (mine.st_dev, mine.st_ino) == (held.st_dev, held.st_ino):
            return handle
        os.close(handle)  # the file was removed by the build that just let it go
    raise BuildBusy(
        f"another build is writing {target} (it holds {path}); wait for it to end, then build again; "
        "the published site is unchanged"
    )


def remove_stale(target: Path) -> list[str]:
    """Remove what killed builds left beside ``target`` (``.<target>.build-*`` and
    ``.<target>.old-*`` folders, nothing else); call it holding :func:`build_lock`. When a
    build was killed between the two renames of the fallback, ``target`` is missing and
    ``.<target>.old-*`` is the last published site: it is put back first."""
    pattern = _stale_pattern(target)
    stale = [p for p in sorted(target.parent.iterdir()) if pattern.fullmatch(p.name) and _is_real_dir(p)]
    olds = [p for p in stale if p.name.startswith(f".{target.name}.old-")]
    if olds and not os.path.lexists(target):
        newest = max(olds, key=lambda p: p.stat().st_ctime_ns)
        os.rename(newest, target)
        stale.remove(newest)
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [path.name for path in stale]


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


FULL_MARGIN = 64 * 1024  # bytes: a write that failed on a full disk leaves less than this


def check_room(folder: Path) -> None:
    """``ENOSPC`` when the file system of a finished build is (all but) full. A program that
    ignores a failed write leaves it so (Pagefind exits 0 with truncated files when the disk
    fills), and a nearly full disk after the build cannot be told from one that was full."""
    room = os.statvfs(folder)
    privileged = os.geteuid() == 0  # root may use the blocks reserved for it
    free = (room.f_bfree if privileged else room.f_bavail) * room.f_frsize
    inodes = room.f_ffree if privileged else room.f_favail
    if free < FULL_MARGIN or (room.f_files and not inodes):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))


def publish(staging: Path, target: Path) -> None:
    """Put the finished build in place of ``target``. The first build is one rename; later
    ones swap the two folders in one step (``renameat2`` ``RENAME_EXCHANGE``), so that
    ``target`` is never missing, then delete the old tree. Where the system or file system
    cannot swap, two renames (target out, staging in): a kill between them leaves
    ``target`` missing until :func:`remove_stale` puts the old site back."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        _fsync_folder(target.parent)
        return
    if exchange(staging, target):
        old = staging  # the old site is now at the staging path
    else:
        old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(old, target)
            raise
    _fsync_folder(target.parent)
    shutil.rmtree(old, ignore_errors=True)


AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYS_RENAMEAT2 = {"x86_64": 316, "amd64": 316, "aarch64": 276, "arm64": 276}  # where libc lacks renameat2
CANNOT_EXCHANGE = (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step; ``False`` where it cannot be done (not Linux, a
    kernel or file system without ``RENAME_EXCHANGE``); other failures raise ``OSError``."""
    call = _renameat2()
    if call is None:
        return False
    if call(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """libc's ``renameat2`` (glibc 2.28+), else the raw system call on x86_64 and aarch64."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    arguments = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if hasattr(libc, "renameat2"):
        function = libc.renameat2
        function.argtypes, function.restype = arguments, ctypes.c_int
        return function
    number = SYS_RENAMEAT2.get(platform.machine().lower())
    if number is None or not hasattr(libc, "syscall"):
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    return lambda *args: syscall(ctypes.c_long(number), *(kind(a) for kind, a in zip(arguments, args, strict=True)))


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def machine_error(exc: OSError, target: Path, shown_from: Path) -> BuildFailed | None:
    """The one line for an OS error of :data:`MACHINE_ERRORS` met while building ``target``
    (a path in a staging folder is named by its place in ``target``), else ``None``:
    other OS errors are faults of the program and keep their traceback."""
    if exc.errno not in MACHINE_ERRORS:
        return None
    target = Path(os.path.abspath(target))
    where = target if exc.filename is None else _as_published(Path(os.path.abspath(exc.filename)), target)
    writing = where == target or target in where.parents or exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return failed_build(exc.errno, shown(where, shown_from), "while writing" if writing else "on")


def failed_build(code: int, where: str, how: str = "while writing") -> BuildFailed:
    what, advice = MACHINE_ERRORS[code]
    return BuildFailed(f"{what} {how} {where}: {advice} and build again; the published site is unchanged")


def _as_published(path: Path, target: Path) -> Path:
    """``.<target>.build-x/a/b`` → ``<target>/a/b``; other paths as they are."""
    if target.parent in path.parents:
        first, *rest = path.relative_to(target.parent).parts
        if _stale_pattern(target).fullmatch(first):
            return target.joinpath(*rest)
    return path


def shown(path: Path, shown_from: Path) -> str:
    """``path`` as a message names it: relative to ``shown_from`` when inside it, a folder
    with a trailing ``/``."""
    path, base = Path(os.path.abspath(path)), Path(os.path.abspath(shown_from))
    slash = "/" if path.is_dir() else ""
    return f"{path.relative_to(base) if path.is_relative_to(base) else path}{slash}"


def replace_file(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace one file so that a reader (or a crash) sees the old or the new bytes,
    never a mix: a temporary file beside it, fsync, rename, fsync of the folder. The new
    file keeps the mode of the one it replaces; a new file gets the umask's (0644 with 022).
    Not ``durable`` (a preview's pages): no fsync, a reader still never sees a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    handle, temporary = _new_beside(path.parent, f".{path.name}.", ".tmp", lambda p: os.open(p, flags, 0o666))
    try:
        with os.fdopen(handle, "wb") as stream:
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
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
