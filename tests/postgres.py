"""A throwaway PostgreSQL cluster on 127.0.0.1 for the server's tests (Debian's
``postgresql``, installed by tools/install-deps test): initdb and pg_ctl from
/usr/lib/postgresql/<version>/bin, run as the user ``postgres`` when the tests run as root
(PostgreSQL refuses to run as root). Trust authentication, 127.0.0.1 only, no fsync."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.test_mailer import free_port


def binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run tools/install-deps test (Debian's postgresql)")
    return found[-1].parent


def as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """A running cluster; yields the URL of its ``postgres`` database (user postgres)."""
    bin_dir = binaries()
    folder = Path(tempfile.mkdtemp(prefix="site-builder-pg-"))  # /tmp itself: the user postgres must reach it
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(
        as_owner(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        ),
        **quiet,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
    subprocess.run(as_owner(start), **quiet)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]), **quiet)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(cluster_url: str, name: str) -> str:
    """An empty database in the cluster; its URL."""
    with psycopg.connect(cluster_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return cluster_url.rpartition("/")[0] + f"/{name}"
