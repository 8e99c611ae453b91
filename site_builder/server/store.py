"""Every query of the server and of the commands that read its database, one function each.

Each function takes the engine and the time (Unix seconds) and runs one transaction.
Addresses are kept in lower case; an unsubscribed address is also kept as an HMAC
(:func:`address_hash`) that outlives the row, so that ``intake purge`` can delete the
address itself while no send reaches it again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, Table, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from site_builder.content.i18n import bi
from site_builder.server.database import (
    DatabaseError,
    consultations,
    mail_hits,
    rate_hits,
    server_keys,
    subscribers,
    suppressions,
)

HOUR = 3600
DAY = 86400


def address_hash(secret: bytes, address: str) -> str:
    """The suppression list's form of ``address``: HMAC-SHA256 under the newsletter secret."""
    return hmac.new(secret, b"suppress\0" + address.lower().encode("utf-8"), hashlib.sha256).hexdigest()


def recipient_hash(secret: bytes, address: str) -> str:
    """The mail cap's form of ``address`` (another HMAC than the suppression list's)."""
    return hmac.new(secret, b"recipient\0" + address.lower().encode("utf-8"), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """How a confirmation token is stored (the token itself is only in the mail)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def check_key(engine: Engine, name: str, secret: bytes) -> None:
    """Record the fingerprint of the secret ``name`` on first use; refuse another secret later
    (the HMACs stored under the first would no longer match: unsubscribed people would get mail)."""
    fingerprint = hmac.new(secret, b"fingerprint\0" + name.encode(), hashlib.sha256).hexdigest()
    with engine.begin() as connection:
        found = connection.scalar(select(server_keys.c.fingerprint).where(server_keys.c.name == name))
        if found is None:
            connection.execute(insert(server_keys).values(name=name, fingerprint=fingerprint))
        elif not hmac.compare_digest(found, fingerprint):
            raise DatabaseError(
                bi(
                    f"{name} is not the secret this database's unsubscribe list was made with; "
                    "set the earlier value again",
                    f"{name} が、このデータベースの配信停止リストを作ったときの値と違います。"
                    "前の値に戻してください（変えると、配信を停止した人にまた届いてしまいます）。",
                )
            )


# --- rate limit and mail cap ---------------------------------------------------------


RATE_LOCKS = 80301  # PostgreSQL advisory locks (space, hashtext(key)): one client's POSTs
MAIL_LOCKS = 80302  # and one recipient's mails are counted one at a time


def over_rate_limit(engine: Engine, client_hash: str, now: int, per_hour: int) -> bool:
    """Count this POST for the client; True when it is more than ``per_hour`` in the last hour."""
    return _over(engine, rate_hits, rate_hits.c.client_hash, RATE_LOCKS, client_hash, now - HOUR, now) > per_hour


def over_mail_cap(engine: Engine, recipient: str, now: int, per_day: int) -> bool:
    """Count a mail to ``recipient`` (:func:`recipient_hash`); True when it is more than
    ``per_day`` in the last day: then it is not sent."""
    return _over(engine, mail_hits, mail_hits.c.recipient_hash, MAIL_LOCKS, recipient, now - DAY, now) > per_day


def _over(engine: Engine, table: Table, key_column, space: int, key: str, since: int, now: int) -> int:
    """Write the hit, then count the key's hits after ``since``. Every instance writes first
    and counts after, and on PostgreSQL one key's hits take turns (an advisory lock held to
    the end of the transaction; SQLite's transactions are immediate), so two requests at
    once never both pass."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"), {"space": space, "key": key}
            )
        # Old hits are left to the hourly purge: deleting them here too could lock the same
        # rows as the purge in the other order (a deadlock on PostgreSQL).
        connection.execute(insert(table).values({key_column.name: key, "at": now}))
        return connection.scalar(select(func.count()).select_from(table).where(key_column == key, table.c.at > since))


# --- subscribers ---------------------------------------------------------------------


def subscribe(engine: Engine, address: str, name: str, token: str, expires: int, now: int) -> None:
    """A new pending subscriber, or a new confirmation token for a known one (a confirmed
    subscriber stays confirmed: the answer is the same whether the address was known; the
    name it gives waits in ``pending_name`` until the new link is confirmed).
    When another instance adds the same address at the same moment, this one updates it."""
    try:
        _subscribe(engine, address.lower(), name, token, expires, now)
    except IntegrityError:
        _subscribe(engine, address.lower(), name, token, expires, now)


def _subscribe(engine: Engine, address: str, name: str, token: str, expires: int, now: int) -> None:
    with engine.begin() as connection:
        # FOR UPDATE (PostgreSQL): a purge cannot delete the row between this read and the update.
        row = connection.execute(select(subscribers).where(subscribers.c.address == address).with_for_update()).first()
        values = {"token_hash": token_hash(token), "token_expires": expires}
        if row is None:
            connection.execute(
                insert(subscribers).values(
                    address=address, name=name, status="pending", created_at=now, changed_at=now, **values
                )
            )
            return
        if row.status == "confirmed":
            values |= {"pending_name": name}
        else:
            values |= {"name": name, "pending_name": None, "status": "pending", "changed_at": now}
        connection.execute(update(subscribers).where(subscribers.c.id == row.id).values(**values))


def forget_pending(engine: Engine, address: str, token: str) -> None:
    """Undo :func:`subscribe` when its confirmation mail could not be sent."""
    with engine.begin() as connection:
        connection.execute(
            delete(subscribers).where(
                subscribers.c.address == address.lower(),
                subscribers.c.token_hash == token_hash(token),
                subscribers.c.status == "pending",
            )
        )


Confirmation = Literal["pending", "confirmed", "expired", "unknown"]


def _confirmation(row, now: int) -> Confirmation:
    if row is None:
        return "unknown"
    if row.status == "confirmed" and (row.pending_name is None or row.token_expires < now):
        return "confirmed"  # an old link of a subscriber: nothing left to confirm
    return "expired" if row.token_expires < now else "pending"


def confirmation(engine: Engine, token: str, now: int) -> Confirmation:
    """What the link holding ``token`` would do, changing nothing (the page before the button)."""
    with engine.connect() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.token_hash == token_hash(token))).first()
    return _confirmation(row, now)


def confirm(engine: Engine, token: str, secret: bytes, now: int) -> Confirmation:
    """Confirm the subscriber whose mail held ``token`` (again: still confirmed), with the
    name given when it signed up again."""
    with engine.begin() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.token_hash == token_hash(token))).first()
        found = _confirmation(row, now)
        if found != "pending":
            return found
        values = {"status": "confirmed", "changed_at": now, "pending_name": None}
        if row.pending_name is not None:
            values["name"] = row.pending_name
        connection.execute(update(subscribers).where(subscribers.c.id == row.id).values(**values))
        connection.execute(delete(suppressions).where(suppressions.c.address_hash == address_hash(secret, row.address)))
    return "confirmed"


def unsubscribe(engine: Engine, address: str, secret: bytes, now: int, forget: bool = False) -> bool:
    """Stop every send to ``address``, known here or not (an address of a CSV list);
    False when it had already been stopped. ``forget``: delete its row too (a request to
    delete it), leaving only the suppression HMAC. Two at once are harmless."""
    address = address.lower()
    with engine.begin() as connection:
        if forget:
            connection.execute(delete(subscribers).where(subscribers.c.address == address))
        else:
            connection.execute(
                update(subscribers)
                .where(subscribers.c.address == address, subscribers.c.status != "unsubscribed")
                .values(status="unsubscribed", changed_at=now, token_hash=None, token_expires=None, pending_name=None)
            )
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        added = connection.execute(
            dialect.insert(suppressions)
            .values(address_hash=address_hash(secret, address), created_at=now)
            .on_conflict_do_nothing(index_elements=[suppressions.c.address_hash])
            .returning(suppressions.c.address_hash)
        ).first()
    return added is not None


def suppressed(engine: Engine, secret: bytes, addresses: Iterable[str]) -> set[str]:
    """Those of ``addresses`` (lower case) that asked to receive nothing more."""
    by_hash = {address_hash(secret, address): address.lower() for address in addresses}
    with engine.connect() as connection:
        found = set(connection.scalars(select(suppressions.c.address_hash)))
    return {address for digest, address in by_hash.items() if digest in found}


def confirmed_subscribers(engine: Engine, secret: bytes) -> list[tuple[str, str]]:
    """``(address, name)`` of every confirmed subscriber not on the suppression list, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(subscribers.c.address, subscribers.c.name)
            .where(subscribers.c.status == "confirmed")
            .order_by(subscribers.c.id)
        ).all()
    stopped = suppressed(engine, secret, [row.address for row in rows])
    return [(row.address, row.name) for row in rows if row.address not in stopped]


def known_addresses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(subscribers.c.address).order_by(subscribers.c.id)))


# --- consultations -------------------------------------------------------------------


@dataclass(frozen=True)
class Consultation:
    id: int
    received_at: int
    kind: str
    organization: str
    person: str
    email: str
    phone: str
    body: str
    preferred: str
    wards: tuple[str, ...]
    staff_notified: bool
    exported_to: str | None


def _consultation(row) -> Consultation:
    return Consultation(**{**row._asdict(), "wards": tuple(row.wards.split())})


def add_consultation(engine: Engine, values: dict, now: int) -> int:
    """Store one consultation; its number."""
    row = {**values, "wards": " ".join(values["wards"]), "received_at": now, "staff_notified": False}
    with engine.begin() as connection:
        return connection.execute(insert(consultations).values(**row).returning(consultations.c.id)).scalar_one()


def mark_consultation(engine: Engine, number: int, **values) -> None:
    """Record that staff were told (``staff_notified``) or a case draft was written (``exported_to``)."""
    with engine.begin() as connection:
        connection.execute(update(consultations).where(consultations.c.id == number).values(**values))


def delete_consultation(engine: Engine, number: int) -> bool:
    """Delete one consultation (a request to delete it); False when there was none."""
    with engine.begin() as connection:
        return connection.execute(delete(consultations).where(consultations.c.id == number)).rowcount == 1


def list_consultations(engine: Engine) -> list[Consultation]:
    with engine.connect() as connection:
        return [_consultation(row) for row in connection.execute(select(consultations).order_by(consultations.c.id))]


def find_consultation(engine: Engine, number: int) -> Consultation | None:
    with engine.connect() as connection:
        row = connection.execute(select(consultations).where(consultations.c.id == number)).first()
    return _consultation(row) if row else None


def count_rows(engine: Engine) -> dict[str, int]:
    """How many rows each table holds (what a refused request must leave unchanged)."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in (subscribers, suppressions, consultations)
        }


# --- retention -----------------------------------------------------------------------


def purge(engine: Engine, now: int, retention_days: int) -> dict[str, int]:
    """Delete consultations and ended subscriptions older than ``retention_days`` (an ended
    one leaves only its suppression HMAC), sign-ups whose confirmation link has expired,
    a confirmed subscriber's unconfirmed new name, and rate-limit and mail-cap rows past
    their window. Only deletes: instances purging at once do not disturb each other."""
    before = now - retention_days * DAY
    with engine.begin() as connection:
        counts = {
            "consultations": connection.execute(delete(consultations).where(consultations.c.received_at < before)),
            "pending": connection.execute(
                delete(subscribers).where(subscribers.c.status == "pending", subscribers.c.token_expires < now)
            ),
            "unsubscribed": connection.execute(
                delete(subscribers).where(subscribers.c.status == "unsubscribed", subscribers.c.changed_at < before)
            ),
        }
        connection.execute(
            update(subscribers)
            .where(subscribers.c.pending_name.is_not(None), subscribers.c.token_expires < now)
            .values(pending_name=None)
        )
        connection.execute(delete(rate_hits).where(rate_hits.c.at <= now - HOUR))
        connection.execute(delete(mail_hits).where(mail_hits.c.at <= now - DAY))
    return {name: result.rowcount for name, result in counts.items()}
