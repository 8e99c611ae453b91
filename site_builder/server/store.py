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

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from site_builder.content.i18n import bi
from site_builder.server.database import (
    DatabaseError,
    consultations,
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


# --- rate limit ----------------------------------------------------------------------


def over_rate_limit(engine: Engine, client_hash: str, now: int, per_hour: int) -> bool:
    """Count this POST for the client; True when it is more than ``per_hour`` in the last hour.
    Every instance writes first and counts after, so two instances never both let one through."""
    with engine.begin() as connection:
        connection.execute(delete(rate_hits).where(rate_hits.c.at <= now - HOUR))
        connection.execute(insert(rate_hits).values(client_hash=client_hash, at=now))
        count = connection.scalar(
            select(func.count())
            .select_from(rate_hits)
            .where(rate_hits.c.client_hash == client_hash, rate_hits.c.at > now - HOUR)
        )
    return count > per_hour


# --- subscribers ---------------------------------------------------------------------


def subscribe(engine: Engine, address: str, name: str, token: str, expires: int, now: int) -> None:
    """A new pending subscriber, or a new confirmation token for a known one (a confirmed
    subscriber stays confirmed: the answer is the same whether the address was known).
    When another instance adds the same address at the same moment, this one updates it."""
    try:
        _subscribe(engine, address.lower(), name, token, expires, now)
    except IntegrityError:
        _subscribe(engine, address.lower(), name, token, expires, now)


def _subscribe(engine: Engine, address: str, name: str, token: str, expires: int, now: int) -> None:
    with engine.begin() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.address == address)).first()
        values = {"token_hash": token_hash(token), "token_expires": expires, "name": name}
        if row is None:
            connection.execute(
                insert(subscribers).values(address=address, status="pending", created_at=now, changed_at=now, **values)
            )
        else:
            if row.status != "confirmed":
                values |= {"status": "pending", "changed_at": now}
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


Confirmation = Literal["confirmed", "expired", "unknown"]


def confirm(engine: Engine, token: str, secret: bytes, now: int) -> Confirmation:
    """Confirm the subscriber whose mail held ``token`` (again: still confirmed)."""
    with engine.begin() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.token_hash == token_hash(token))).first()
        if row is None:
            return "unknown"
        if row.token_expires < now:
            return "expired"
        if row.status != "confirmed":
            connection.execute(
                update(subscribers).where(subscribers.c.id == row.id).values(status="confirmed", changed_at=now)
            )
        connection.execute(delete(suppressions).where(suppressions.c.address_hash == address_hash(secret, row.address)))
    return "confirmed"


def unsubscribe(engine: Engine, address: str, secret: bytes, now: int) -> bool:
    """Stop every send to ``address``, known here or not (an address of a CSV list);
    False when it had already been stopped."""
    address = address.lower()
    digest = address_hash(secret, address)
    with engine.begin() as connection:
        connection.execute(
            update(subscribers)
            .where(subscribers.c.address == address, subscribers.c.status != "unsubscribed")
            .values(status="unsubscribed", changed_at=now, token_hash=None, token_expires=None)
        )
        if connection.scalar(select(suppressions.c.address_hash).where(suppressions.c.address_hash == digest)):
            return False
        connection.execute(insert(suppressions).values(address_hash=digest, created_at=now))
    return True


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
    """Delete consultations and pending or ended subscriptions older than ``retention_days``
    (an ended one leaves only its suppression HMAC), and rate-limit rows past their hour."""
    before = now - retention_days * DAY
    with engine.begin() as connection:
        counts = {
            "consultations": connection.execute(delete(consultations).where(consultations.c.received_at < before)),
            "pending": connection.execute(
                delete(subscribers).where(subscribers.c.status == "pending", subscribers.c.changed_at < before)
            ),
            "unsubscribed": connection.execute(
                delete(subscribers).where(subscribers.c.status == "unsubscribed", subscribers.c.changed_at < before)
            ),
        }
        connection.execute(delete(rate_hits).where(rate_hits.c.at <= now - HOUR))
    return {name: result.rowcount for name, result in counts.items()}
