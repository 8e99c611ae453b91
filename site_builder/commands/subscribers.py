"""Who an edition goes to, and unsubscriptions that arrive by mail.

``newsletter send --subscribers db`` sends to the confirmed subscribers of the server's
database; ``--subscribers list.csv`` to the CSV's rows, less every address unsubscribed in
that database (refused without it while ``server_url`` is set, unless ``--no-server-database``).
``newsletter unsubscribe-mailbox PATH`` applies the ``unsubscribe <token>`` mails of an
exported mailbox to the database; ``newsletter unsubscribe ADDRESS`` stops one address
at a reader's request and deletes it, leaving only the suppression HMAC."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.server import open_database
from site_builder.content.i18n import bi, text
from site_builder.newsletter import mailer
from site_builder.server import database, store
from site_builder.server.service import newsletter_secret
from site_builder.server.unsubscribe_mail import apply_requests, read_requests

DATABASE = "db"  # --subscribers db


NO_DATABASE = "--no-server-database"


def recipients(root: Path, source: str, without_database: bool = False) -> tuple[list[mailer.Subscriber], list[str]]:
    """The subscribers to send to and the problems found on the way. A CSV send skips the
    addresses unsubscribed in the server's database; while ``server_url`` is set (the
    editions' unsubscribe links lead to that server) a missing database is refused unless
    ``without_database`` says the operator knows."""
    config = pipeline.load_config(root)
    if source == DATABASE:
        engine = open_database(root, config, need_secret=True)
        rows = store.confirmed_subscribers(engine, newsletter_secret(os.environ))
        return [mailer.Subscriber(address, name, line) for line, (address, name) in enumerate(rows, 1)], []
    subscribers, problems = mailer.read_subscribers(Path(source))
    url = database.database_url(root, config.settings.state_dir)
    if not database.default_exists(url):
        if config.settings.server.url and not without_database:
            raise database.DatabaseError(
                bi(
                    f"no server database at {database.shown(url)}, so the readers who unsubscribed through "
                    f"{config.settings.server.url} cannot be skipped: send on the server's machine, set "
                    f"{database.DATABASE_ENV}, or pass {NO_DATABASE} if this list has no unsubscribes to skip",
                    f"サーバーのデータベース {database.shown(url)} がないため、{config.settings.server.url} で"
                    "配信を停止した人を除けません。サーバーのある機械で送るか、"
                    f"{database.DATABASE_ENV} を設定してください。除く人がいないと分かっているときだけ "
                    f"{NO_DATABASE} を付けて送れます。",
                )
            )
        return subscribers, problems
    engine = open_database(root, config, need_secret=True)
    stopped = store.suppressed(engine, newsletter_secret(os.environ), (s.address for s in subscribers))
    for subscriber in subscribers:
        if subscriber.key in stopped:
            problems.append(
                bi(
                    f"{source}:{subscriber.line}: email: {subscriber.address} unsubscribed; not sent",
                    f"{source}:{subscriber.line}: email: {subscriber.address} は配信停止済みです。送りません。",
                )
            )
    return [s for s in subscribers if s.key not in stopped], problems


def register_unsubscribe_mailbox(sub) -> None:
    command = sub.add_parser(
        "unsubscribe-mailbox",
        help=bi(
            "apply the 'unsubscribe <token>' mails of an exported mailbox (mbox file or Maildir folder)",
            "書き出したメールボックス（mbox ファイルか Maildir フォルダ）の「unsubscribe <token>」のメールで"
            "配信を停止します",
        ),
    )
    command.add_argument(
        "mailbox", type=Path, metavar="PATH", help=bi("mbox file or Maildir folder", "mbox ファイルか Maildir フォルダ")
    )
    command.add_argument(
        "--subscribers",
        type=Path,
        help=bi(
            "also match tokens against this CSV's addresses (email[,name])",
            "この CSV（email,name）のアドレスとも照らし合わせます",
        ),
    )
    command.set_defaults(run=run_unsubscribe_mailbox)


def run_unsubscribe_mailbox(args) -> int:
    config = pipeline.load_config(args.root)
    engine = open_database(args.root, config, need_secret=True)
    known = store.known_addresses(engine)
    if args.subscribers:
        known += [s.address for s in mailer.read_subscribers(args.subscribers)[0]]
    report = apply_requests(engine, newsletter_secret(os.environ), read_requests(args.mailbox), known, int(time.time()))
    for sender in report.without_token:
        print(
            text(bi(f"no token, not applied: {sender}", f"トークンがないので停止していません: {sender}")),
            file=sys.stderr,
        )
    stopped, without = len(report.stopped), len(report.without_token)
    summary = bi(
        f"unsubscribed {stopped}, already unsubscribed {report.already}, unknown token {report.unknown}, "
        f"without token {without}, other mails {report.other}",
        f"配信停止 {stopped} 件、停止済み {report.already} 件、合わないトークン {report.unknown} 件、"
        f"トークンなし {without} 件（確かめて手で停止してください）、ほかのメール {report.other} 件",
    )
    print(text(summary))
    return 0


def register_unsubscribe(sub) -> None:
    command = sub.add_parser(
        "unsubscribe",
        help=bi(
            "stop and delete one address at the reader's request (the stop is kept as an HMAC)",
            "読者の求めで、そのアドレスへの配信を停止し、アドレスを消します（停止の記録は元に戻せない形で残ります）",
        ),
    )
    command.add_argument("address", metavar="ADDRESS", help=bi("the mail address", "メールアドレス"))
    command.set_defaults(run=run_unsubscribe)


def run_unsubscribe(args) -> int:
    address = args.address.strip()
    if "@" not in address or len(address) > 254:
        raise database.DatabaseError(
            bi(f"{address!r} is not a mail address", f"「{address}」はメールアドレスではありません。")
        )
    engine = open_database(args.root, pipeline.load_config(args.root), need_secret=True)
    added = store.unsubscribe(engine, address, newsletter_secret(os.environ), int(time.time()), forget=True)
    done = bi(
        f"{address}: unsubscribed and deleted" if added else f"{address}: was already unsubscribed; deleted",
        f"{address} への配信を停止し、アドレスを消しました。"
        if added
        else f"{address} は配信停止済みでした。アドレスを消しました。",
    )
    print(text(done))
    return 0
