"""``site-builder newsletter build|send``: one edition (メルマガ) from the site's content.

``build`` reads and validates everything like ``site-builder build``, selects the
edition at its send time (``site_builder.newsletter``), renders it
(``site_builder.newsletter_mail``) and writes ``<out>/<id>/``: ``email.html``,
``email.txt`` and ``message.eml`` to review (with the generic unsubscribe link), and
``edition.json``, which ``send`` mails as it is, one personal copy per subscriber
(``site_builder.mailer``). Those files are generated and may be deleted; the send
ledger is state, ``<state_dir>/newsletter/<id>/ledger.jsonl``, which no clean deletes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import json
import os
import sys
from pathlib import Path

from tqdm import tqdm

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.content import dates
from site_builder.content.markdown import convert_bodies
from site_builder.content.models import SLUG_PATTERN
from site_builder.content.readers import Content
from site_builder.content.reporter import ContentErrors
from site_builder.content.select import select_public
from site_builder.content.settings import Config
from site_builder.newsletter import editions as newsletter
from site_builder.newsletter import mailer
from site_builder.newsletter.mail import (
    MAX_HTML_BYTES,
    MailSettings,
    RenderedEdition,
    compose_message,
    intro_html,
    personalize,
    render_edition,
    unsubscribe_links,
)
from site_builder.writer import adopt_legacy, replace_file, state_path

DEFAULT_OUT = Path("dist/newsletter")


def register(commands) -> None:
    parser = commands.add_parser("newsletter", help="build or send a newsletter edition (メルマガ)")
    sub = parser.add_subparsers(title="newsletter commands")
    parser.set_defaults(run=lambda args: parser.print_help() or 2)

    build = sub.add_parser("build", help="render an edition to <out>/<id>/ (email.html, email.txt, message.eml)")
    build.add_argument(
        "--edition",
        required=True,
        type=edition_id,
        help="edition id, e.g. 2020-07a (content/newsletter/<id>.md is optional)",
    )
    build.add_argument(
        "--from", dest="period_from", help="first publish day (or time) listed; default: after the previous edition"
    )
    build.add_argument(
        "--to", dest="period_to", help="last publish day listed (a time: up to it); default: the send time"
    )
    add_now(build, "the build time, and the send time of an edition without a file")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT}/)")
    build.set_defaults(run=run_build)

    send = sub.add_parser("send", help="mail a built edition to every subscriber once (resumable; see README)")
    send.add_argument("--edition", required=True, type=edition_id, help="edition id, as built")
    send.add_argument("--subscribers", type=Path, required=True, help="CSV with the columns email[,name]")
    send.add_argument("--dry-run", action="store_true", help="send nothing; print who would get a copy")
    send.add_argument("--rate", type=float, default=10.0, help="messages per second at most (default: 10; 0: no limit)")
    send.add_argument(
        "--resend-in-doubt",
        action="store_true",
        help="send again, with the same Message-ID, to recipients a killed run left in doubt",
    )
    send.add_argument(
        "--allow-changed", action="store_true", help="send a rebuilt edition to those who have not had the earlier one"
    )
    add_now(send, "the current time; nothing is sent before the edition's send time")
    send.add_argument("--out", type=Path, default=DEFAULT_OUT)
    send.add_argument("--quiet", action="store_true", help="no progress bar")
    send.set_defaults(run=run_send)


def edition_id(text: str) -> str:
    if not SLUG_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: an edition id uses only a-z, 0-9 and single '-' (e.g. 2020-07a)")
    return text


def _time(text: str | None) -> dt.date | dt.datetime | None:
    return dates.parse_time(text) if text else None


def _folder(args) -> Path:
    out = args.out if args.out.is_absolute() else args.root / args.out
    return out / args.edition


def ledger_path(args, folder: Path, move: bool = True) -> Path:
    """The edition's send ledger in the state folder. A ledger left in the built edition's
    folder by an earlier version is moved there first (read in place by a dry run)."""
    path = state_path(
        args.root, pipeline.load_config(args.root).settings.state_dir, "newsletter", args.edition, "ledger.jsonl"
    )
    path, note = adopt_legacy(folder / "ledger.jsonl", path, move)
    if note:
        print(note, file=sys.stderr)
    return path


def prepare_edition(
    config: Config, content: Content, edition_id: str, now: dt.datetime, start=None, end=None
) -> tuple[newsletter.EditionContent, str]:
    """Select the edition at its send time and make the introduction's mail HTML."""
    entry = newsletter.find_edition(content.editions, edition_id)
    meta = entry.meta if entry else None
    send_at = meta.date if meta else now
    published = select_public(content, send_at)
    previous = newsletter.previous_send_time(content.editions, edition_id, send_at)
    period = newsletter.edition_period(
        send_at, previous, start or (meta and meta.period_from), end or (meta and meta.period_to)
    )
    selected = newsletter.select_edition(
        published,
        edition_id,
        send_at,
        period,
        entry=entry,
        site_name=config.site_name,
        upcoming_weeks=config.settings.newsletter.upcoming_weeks,
    )
    intro = ""
    if entry is not None and entry.body.strip():
        body = convert_bodies([entry], config, published.resolver(config.root))[entry.url]
        intro = intro_html(body, entry, config, edition_id)
    return selected, intro


def preview_message(rendered: RenderedEdition) -> bytes:
    """The review copy: addressed to the sender, generic unsubscribe links."""
    https_link, mailto_link = unsubscribe_links(rendered)
    address = email.utils.parseaddr(rendered.sender)[1]
    message = compose_message(
        rendered,
        to=rendered.sender,
        message_id=f"<{rendered.id}.preview@{address.rpartition('@')[2]}>",
        date=rendered.send_time,
        https_link=https_link,
        mailto_link=mailto_link,
    )
    return message.as_bytes()


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Each file replaced whole (``writer.replace_file``): a reviewer never opens half a build."""
    for name, data in sorted(files.items()):
        replace_file(folder / name, data)


def run_build(args) -> int:
    now = now_of(args)
    config, content, reporter = pipeline.load(args.root, now)
    if not reporter.ok:
        raise ContentErrors(reporter)
    settings = MailSettings.from_config(config)
    selected, intro = prepare_edition(
        config, content, args.edition, now, _time(args.period_from), _time(args.period_to)
    )
    rendered = render_edition(selected, config, settings, intro, config.settings.newsletter.max_items)
    html_text, text = personalize(rendered, unsubscribe_links(rendered)[0])
    folder = _folder(args)
    write_files(
        folder,
        {
            "email.html": html_text.encode("utf-8"),
            "email.txt": text.encode("utf-8"),
            "message.eml": preview_message(rendered),
            "edition.json": json.dumps(rendered.to_dict(), ensure_ascii=False, indent=1, sort_keys=True).encode(
                "utf-8"
            ),
        },
    )
    size = len(html_text.encode("utf-8"))
    print(
        f"edition {selected.id}: send time {dates.iso(selected.send_at)}, "
        f"period {selected.period.label(selected.send_at)}; "
        f"{len(selected.cases)} cases, {len(selected.news)} news, {len(selected.events)} events "
        f"(shown {rendered.shown['cases']}/{rendered.shown['news']}/{rendered.shown['events']}); "
        f"HTML {size / 1000:.1f} KB of {MAX_HTML_BYTES // 1000} KB",
        file=sys.stderr,
    )
    if rendered.draft:
        print(f"note: content/newsletter/{selected.id}.md is a draft: it can be reviewed, not sent", file=sys.stderr)
    print(folder)
    return 0


def load_rendered(folder: Path) -> RenderedEdition:
    path = folder / "edition.json"
    try:
        return RenderedEdition(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise mailer.MailerError(
            f"{path}: not found; run `site-builder newsletter build --edition {folder.name}` first"
        ) from None
    except (ValueError, TypeError) as exc:
        raise mailer.MailerError(f"{path}: unreadable ({exc}); build the edition again") from None


def run_send(args) -> int:
    try:
        return send(args)
    except mailer.MailerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def send(args) -> int:
    folder = _folder(args)
    rendered = load_rendered(folder)
    now = now_of(args)
    if rendered.draft:
        raise mailer.MailerError(f"edition {rendered.id} is a draft (content/newsletter/{rendered.id}.md); not sent")
    if now < rendered.send_time:
        raise mailer.MailerError(f"edition {rendered.id} goes out at {rendered.send_at}; nothing is sent before then")
    subscribers, problems = mailer.read_subscribers(args.subscribers)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.dry_run:
        return dry_run(subscribers, ledger_path(args, folder, move=False), args.resend_in_doubt)
    secret = os.environ.get("SITE_BUILDER_NEWSLETTER_SECRET", "")
    if len(secret) < 16:
        raise mailer.MailerError("set SITE_BUILDER_NEWSLETTER_SECRET (16 characters or more) to sign unsubscribe links")
    smtp = mailer.SmtpSettings.from_env(os.environ)
    ledger = mailer.Ledger(ledger_path(args, folder), rendered.id, mailer.edition_digest(rendered), args.allow_changed)
    try:
        todo, report = mailer.plan(subscribers, ledger.last, args.resend_in_doubt)
        bar = tqdm(
            total=len(subscribers),
            initial=len(subscribers) - len(todo),
            unit="通",
            file=sys.stderr,
            disable=args.quiet,
            mininterval=0.5,
            desc=rendered.id,
        )
        sender = mailer.Sender(
            rendered,
            ledger,
            mailer.Relay(smtp),
            secret.encode("utf-8"),
            now,
            mailer.RateLimit(args.rate),
            smtp.envelope_from,
            on_done=lambda: bar.update(1),
        )
        with bar:
            sender.run(todo, report)
    finally:
        ledger.close()
    return summarize(report, len(problems), ledger.path)


def dry_run(subscribers: list[mailer.Subscriber], ledger: Path, resend_in_doubt: bool) -> int:
    _, last = mailer.read_ledger(ledger)
    todo, report = mailer.plan(subscribers, last, resend_in_doubt)
    for subscriber in todo:
        print(f"would send to {subscriber.address}")
    print(
        f"dry run: {len(todo)} would be sent, {len(report.already)} already sent, {len(report.failed)} failed before, "
        f"{len(report.in_doubt)} in doubt; nothing was sent",
        file=sys.stderr,
    )
    return 0


def summarize(report: mailer.SendReport, invalid: int, ledger: Path) -> int:
    for address in report.in_doubt:
        print(f"in doubt: {address} (killed while the relay was accepting it; see --resend-in-doubt)", file=sys.stderr)
    for address in report.failed + report.deferred:
        print(f"not delivered: {address} (see {ledger})", file=sys.stderr)
    print(
        f"sent {len(report.sent)}, already sent {len(report.already)}, deferred {len(report.deferred)} "
        f"(rerun to retry), "
        f"failed {len(report.failed)}, in doubt {len(report.in_doubt)}, invalid or duplicate rows {invalid}",
        file=sys.stderr,
    )
    return 0 if report.ok else 1
