"""The SNS ledger: what was sent, kept in the repository (``state/sns/ledger.jsonl``).

It is state, not output: it lives in the state folder (``state_dir``), which no
clean or build deletes; ``sns_ledger`` puts it elsewhere. A ledger left at the old
default ``sns/ledger.jsonl`` is moved into the state folder on first use.

One JSON object per line, one line per post id, sorted by id, so that the file
diffs well in git. Each change rewrites the whole file atomically (a temporary
file in the same folder, fsync, rename, fsync of the folder): after a crash the
file is the old one or the new one, never half of each.

A record's ``state`` is

* ``in-flight``: the intent, written *before* the request. A run that finds it
  must find out whether the network has the post before sending it again.
* ``posted``: the result, written after the network answered with the post's id.
* ``failed``: the last attempt failed (the error says why); tried again later,
  after checking the network as for ``in-flight`` when ``maybe_sent``.

``locked()`` holds an exclusive ``fcntl.flock`` on a lock file beside the ledger
for the whole run, so that two overlapping runs on one machine never both post.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path

from site_builder.writer import replace_file, state_path

LEGACY_PATH = Path("sns") / "ledger.jsonl"  # the default before the state folder


class LedgerBusy(Exception):
    pass


class LedgerError(Exception):
    pass


class Ledger:
    def __init__(self, path: Path, records: dict[str, dict] | None = None):
        self.path = path
        self.records: dict[str, dict] = records or {}

    def get(self, post_id: str) -> dict | None:
        return self.records.get(post_id)

    def record_intent(self, post_id: str, fields: dict, when: str) -> dict:
        """Write down that ``post_id`` is about to be sent (before the request)."""
        previous = self.records.get(post_id) or {}
        record = {
            **previous,
            **fields,
            "id": post_id,
            "state": "in-flight",
            "intent_at": when,
            "attempts": int(previous.get("attempts", 0)) + 1,
        }
        record.pop("error", None)
        self._put(record)
        return record

    def record_posted(self, post_id: str, remote_id: str, remote_url: str | None, when: str, how: str = "sent") -> None:
        record = {
            **(self.records.get(post_id) or {"id": post_id}),
            "state": "posted",
            "remote_id": remote_id,
            "remote_url": remote_url,
            "result_at": when,
            "found": how == "found",
        }
        record.pop("error", None)
        self._put(record)

    def record_failed(self, post_id: str, error: str, when: str, maybe_sent: bool = True) -> None:
        """``maybe_sent``: False only when every attempt surely left nothing (4xx, 429)."""
        record = {
            **(self.records.get(post_id) or {"id": post_id}),
            "state": "failed",
            "error": error,
            "result_at": when,
            "maybe_sent": maybe_sent,
        }
        self._put(record)

    def _put(self, record: dict) -> None:
        self.records[record["id"]] = record
        write_ledger(self.path, self.records)


def read_ledger(path: Path) -> Ledger:
    """The ledger at ``path`` (empty when the file does not exist yet)."""
    records: dict[str, dict] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger(path)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            records[record["id"]] = record
        except (ValueError, KeyError, TypeError):
            raise LedgerError(f"{path}:{number}: not a ledger record; fix or remove the line") from None
    return Ledger(path, records)


def ledger_paths(root: Path, state_dir: str, override: str) -> tuple[Path, Path | None]:
    """The ledger, and an earlier version's ledger to move into it first (None with
    ``sns_ledger`` set: an explicit path is used as it is, relative to the project root)."""
    if override:
        return root / override, None
    return state_path(root, state_dir, "sns", "ledger.jsonl"), root / LEGACY_PATH


def render_ledger(records: dict[str, dict]) -> str:
    return "".join(json.dumps(records[key], ensure_ascii=False, sort_keys=True) + "\n" for key in sorted(records))


def write_ledger(path: Path, records: dict[str, dict]) -> None:
    """Replace ``path`` atomically with ``records``."""
    replace_file(path, render_ledger(records).encode("utf-8"))


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the run lock beside the ledger; ``LedgerBusy`` when another run has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+b") as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerBusy(f"another `sns post` run holds {lock_path}; nothing was sent") from None
        try:
            yield
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
