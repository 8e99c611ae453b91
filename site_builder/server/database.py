"""The server's database: one SQLAlchemy Core schema for SQLite and PostgreSQL, migrated
by Alembic (``migrations/``, run from here, never by hand).

``SITE_BUILDER_DATABASE_URL`` names it (``postgresql://user:password@host/db`` uses the
psycopg 3 driver); without it, SQLite at ``<state_dir>/server.sqlite3``. SQLite runs in WAL
mode and every transaction begins with ``BEGIN IMMEDIATE``: two writers wait for each other
instead of failing halfway. Times are Unix seconds (integers), the same in both databases.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from site_builder.content.i18n import bi
from site_builder.writer import state_path

DATABASE_ENV = "SITE_BUILDER_DATABASE_URL"
DEFAULT_FILE = "server.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PRIVATE_MODE = 0o600  # the SQLite file and its -wal and -shm
MIGRATION_LOCK = 80300  # the PostgreSQL advisory lock that one migrating instance holds

metadata = MetaData()

# One row per address (lower case). status: pending (until the link in the confirmation mail
# is opened), confirmed, unsubscribed. The confirmation token is stored as its SHA-256 only.
# pending_name: the name a confirmed subscriber gave when signing up again, applied only
# when the new link is confirmed (until then anyone could have typed it).
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(254), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("status", String(12), nullable=False),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("token_expires", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    Column("pending_name", String(100), nullable=True),
)

# Addresses that asked to receive nothing more, as an HMAC only (store.address_hash).
suppressions = Table(
    "suppressions",
    metadata,
    Column("address_hash", String(64), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("organization", String(400), nullable=False),
    Column("person", String(400), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("preferred", String(800), nullable=False),
    Column("wards", String(400), nullable=False),  # ward ids, separated by spaces
    Column("staff_notified", Boolean, nullable=False),
    Column("exported_to", String(200), nullable=True),  # the case draft written from it
)


def hits_table(name: str, key: str) -> Table:
    """One row per counted event of a key (an HMAC), with its time: a rate limit's table."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column(key, String(64), nullable=False),
        Column("at", BigInteger, nullable=False),
        Index(f"{name}_{key.partition('_')[0]}_at", key, "at"),
    )


# One row per POST to a form, by client (an HMAC of its address), for the rate limit.
rate_hits = hits_table("rate_hits", "client_hash")
# One row per confirmation or acknowledgement mail, by recipient (an HMAC of the address),
# for the cap on mails to one address a day.
mail_hits = hits_table("mail_hits", "recipient_hash")

# Fingerprints of the secrets the stored HMACs were made with (a changed secret is refused).
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)


class DatabaseError(Exception):
    """The database cannot be named, reached or migrated; the message says what to do."""


def database_url(root: Path, state_dir: str, environ: Mapping[str, str] = os.environ) -> str:
    """``SITE_BUILDER_DATABASE_URL``, else SQLite in the state folder."""
    url = environ.get(DATABASE_ENV, "").strip()
    if url:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url
    return f"sqlite:///{state_path(root, state_dir, DEFAULT_FILE)}"


def default_exists(url: str) -> bool:
    """Whether the database is there: a SQLite file exists, any other URL is assumed to."""
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file()


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    return f"{scheme}://{credentials.partition(':')[0]}@{tail}"


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite in WAL mode with immediate transactions."""
    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            file = Path(path) if path and path != url and path != ":memory:" else None
            if file is not None:
                create_private(file)
            engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
            event.listen(engine, "connect", lambda connection, record: _sqlite_connect(connection, file))
            event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
            return engine
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(
            bi(
                f"{DATABASE_ENV}: cannot use {shown(url)!r} ({exc}); e.g. postgresql://user:password@host/db",
                f"{DATABASE_ENV} の {shown(url)} は使えません（{exc}）。"
                "例: postgresql://ユーザー:パスワード@ホスト/データベース名",
            )
        ) from None


def create_private(file: Path) -> None:
    """The SQLite file, created readable and writable by its owner only before SQLite opens
    it (it holds addresses and consultations), or made so if an older one was not; its
    -wal and -shm files take its mode."""
    file.parent.mkdir(parents=True, exist_ok=True)
    if not file.exists():
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, PRIVATE_MODE))
    with contextlib.suppress(OSError):  # another user's file (a backup's) is left as it is
        if file.stat().st_mode & 0o777 != PRIVATE_MODE:
            file.chmod(PRIVATE_MODE)


def _sqlite_connect(dbapi_connection, file: Path | None) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener starts each transaction itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    for companion in (file.with_name(file.name + suffix) for suffix in ("-wal", "-shm")) if file else ():
        with contextlib.suppress(OSError):  # another user's file (a backup's) is left as it is
            if companion.stat().st_mode & 0o777 != PRIVATE_MODE:
                companion.chmod(PRIVATE_MODE)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; instances starting together take turns
    (PostgreSQL: an advisory lock; SQLite: the immediate transaction)."""
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            alembic.attributes["connection"] = connection
            command.upgrade(alembic, "head")
    except (SQLAlchemyError, OSError) as exc:
        raise DatabaseError(
            bi(
                f"database {shown(str(engine.url))}: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                f"データベース {shown(str(engine.url))} が使えません（{type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}）。{DATABASE_ENV} と、データベースが動いていることを確かめてください。",
            )
        ) from None


def open_database(url: str) -> Engine:
    """The engine for ``url``, migrated."""
    engine = connect(url)
    migrate(engine)
    return engine
