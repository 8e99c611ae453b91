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
from urllib.parse import urlsplit

from tqdm import tqdm

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.commands.subscribers import (
    NO_DATABASE,
    recipients,
    register_unsubscribe,
    register_unsubscribe_mailbox,
)
from site_builder.content import dates
from site_builder.content.bodies import convert_bodies
from site_builder.content.i18n import ERROR, bi, describe, text
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
OUT_HELP = bi(
    f"output folder (default: {DEFAULT_OUT}/)",
    f"号を置くフォルダ（既定: {DEFAULT_OUT}/）。build と send で同じにします",
)


def register(commands) -> None:
    parser = commands.add_parser(
        "newsletter",
        help=bi("build or send a newsletter edition (メルマガ)", "メルマガ（newsletter）の号を作る・送る"),
    )
    sub = parser.add_subparsers(title=bi("newsletter commands", "newsletter のコマンド"))
    parser.set_defaults(run=lambda args: parser.print_help() or 2)
    register_build(sub)
    register_send(sub)
    register_unsubscribe_mailbox(sub)
    register_unsubscribe(sub)


def register_build(sub) -> None:
    build = sub.add_parser(
        "build",
        help=bi(
            "render an edition to <out>/<id>/ (email.html, email.txt, message.eml)",
            "号を作って <out>/<id>/ に置きます（email.html・email.txt・message.eml で中身を確かめられます）",
        ),
    )
    build.add_argument(
        "--edition",
        required=True,
        type=edition_id,
        help=bi(
            "edition id, e.g. 2020-07a (content/newsletter/<id>.md is optional)",
            "号の名前（edition id）。例: 2020-07a（content/newsletter/<id>.md はなくても作れます）",
        ),
    )
    build.add_argument(
        "--from",
        dest="period_from",
        help=bi(
            "first publish day (or time) listed; default: after the previous edition",
            "載せる記事の公開日の始め（日付か時刻）。書かなければ前の号のあとから",
        ),
    )
    build.add_argument(
        "--to",
        dest="period_to",
        help=bi(
            "last publish day listed (a time: up to it); default: the send time",
            "載せる記事の公開日の終わり（時刻ならその時刻まで）。書かなければ送る時刻まで",
        ),
    )
    add_now(
        build,
        bi(
            "the build time, and the send time of an edition without a file",
            "作る時刻。号のファイルがないときは、これが送る時刻になります",
        ),
    )
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help=OUT_HELP)
    build.set_defaults(run=run_build)


# The switches of `newsletter send`, each with its help.
SEND_SWITCHES = {
    "--dry-run": bi(
        "send nothing; print who would get a copy",
        "試し（dry run）: 何も送らず、誰に送ることになるかを表示します",
    ),
    "--resend-in-doubt": bi(
        "send again, with the same Message-ID, to recipients a killed run left in doubt",
        "途中で止まって届いたか分からない人（in doubt）に、同じ Message-ID でもう一度送ります",
    ),
    "--allow-changed": bi(
        "send a rebuilt edition to those who have not had the earlier one",
        "作り直した号を、まだ前の版を受け取っていない人に送ることを認めます",
    ),
}


def register_send(sub) -> None:
    send = sub.add_parser(
        "send",
        help=bi(
            "mail a built edition to every subscriber once (resumable; see README)",
            "作った号を読者全員に1通ずつ送ります（止まっても続きから送れます。README 参照）",
        ),
    )
    send.add_argument(
        "--edition",
        required=True,
        type=edition_id,
        help=bi("edition id, as built", "号の名前（edition id）。build のときと同じもの"),
    )
    send.add_argument(
        "--subscribers",
        required=True,
        metavar="CSV|db",
        help=bi(
            "CSV with the columns email[,name], or db: the confirmed subscribers of the server's database "
            "(a CSV's addresses unsubscribed in that database are skipped)",
            "読者の CSV ファイル（1行目は email,name。name はなくてもよい）。db と書くと、サーバーのデータベースの"
            "登録を確認した読者に送ります（CSV でも、データベースで配信停止した人には送りません）",
        ),
    )
    send.add_argument(
        NO_DATABASE,
        action="store_true",
        help=bi(
            "send a CSV without the server's database, skipping nobody who unsubscribed through the server",
            "サーバーのデータベースなしで CSV に送ります（サーバーで配信を停止した人も除きません）",
        ),
    )
    send.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help=bi(
            "messages per second at most (default: 10; 0: no limit)",
            "1秒に送る通数の上限（rate）。既定は 10、0 なら上限なし",
        ),
    )
    for switch, help_text in SEND_SWITCHES.items():
        send.add_argument(switch, action="store_true", help=help_text)
    add_now(
        send,
        bi(
            "the current time; nothing is sent before the edition's send time",
            "今の時刻。号の送る時刻より前には何も送りません",
        ),
    )
    send.add_argument("--out", type=Path, default=DEFAULT_OUT, help=OUT_HELP)
    send.add_argument(
        "--quiet", action="store_true", help=bi("no progress bar", "進み具合（progress bar）を表示しません")
    )
    send.set_defaults(run=run_send)


def edition_id(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        message = bi(
            f"{value!r}: an edition id uses only a-z, 0-9 and single '-' (e.g. 2020-07a)",
            f"{value!r}: 号の名前には a-z・0-9 と、間に1つずつの「-」だけを使います（例: 2020-07a）",
        )
        raise argparse.ArgumentTypeError(text(message))  # argparse keeps only the text
    return value


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
        print(text(note), file=sys.stderr)
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
    html_text, plain_text = personalize(rendered, unsubscribe_links(rendered)[0])
    folder = _folder(args)
    write_files(
        folder,
        {
            "email.html": html_text.encode("utf-8"),
            "email.txt": plain_text.encode("utf-8"),
            "message.eml": preview_message(rendered),
            "edition.json": json.dumps(rendered.to_dict(), ensure_ascii=False, indent=1, sort_keys=True).encode(
                "utf-8"
            ),
        },
    )
    size = len(html_text.encode("utf-8"))
    shown = f"{rendered.shown['cases']}/{rendered.shown['news']}/{rendered.shown['events']}"
    period = selected.period.label(selected.send_at)
    counts = (len(selected.cases), len(selected.news), len(selected.events))
    weight = f"HTML {size / 1000:.1f} KB of {MAX_HTML_BYTES // 1000} KB"
    summary = bi(
        f"edition {selected.id}: send time {dates.iso(selected.send_at)}, period {period}; "
        f"{counts[0]} cases, {counts[1]} news, {counts[2]} events (shown {shown}); {weight}",
        f"号 {selected.id}: 送る時刻 {dates.iso(selected.send_at)}、期間 {period}。"
        f"事例 {counts[0]} 件・お知らせ {counts[1]} 件・イベント {counts[2]} 件（載せたのは {shown}）。"
        f"HTML {size / 1000:.1f} KB（上限 {MAX_HTML_BYTES // 1000} KB）",
    )
    print(text(summary), file=sys.stderr)
    if rendered.draft:
        draft = bi(
            f"note: content/newsletter/{selected.id}.md is a draft: it can be reviewed, not sent",
            f"注意: content/newsletter/{selected.id}.md は下書き（draft: true）です。確かめることはできますが、"
            "送れません。送るときは draft: false にしてください。",
        )
        print(text(draft), file=sys.stderr)
    print(folder)
    return 0


def load_rendered(folder: Path) -> RenderedEdition:
    path = folder / "edition.json"
    try:
        return RenderedEdition(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        build = f"site-builder newsletter build --edition {folder.name}"
        raise mailer.MailerError(
            bi(
                f"{path}: not found; run `{build}` first",
                f"{path} がありません。先に `{build}` で号を作ってください。",
            )
        ) from None
    except (ValueError, TypeError) as exc:
        raise mailer.MailerError(
            bi(
                f"{path}: unreadable ({exc}); build the edition again",
                f"{path} が読めません（{exc}）。号をもう一度 build してください。",
            )
        ) from None


def run_send(args) -> int:
    try:
        return send(args)
    except mailer.MailerError as exc:
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 1


def send(args) -> int:
    folder = _folder(args)
    rendered = load_rendered(folder)
    now = now_of(args)
    if rendered.draft:
        raise mailer.MailerError(
            bi(
                f"edition {rendered.id} is a draft (content/newsletter/{rendered.id}.md); not sent",
                f"号 {rendered.id} は下書きです（content/newsletter/{rendered.id}.md）。送っていません。"
                "draft: false にして、もう一度 build してから送ってください。",
            )
        )
    if now < rendered.send_time:
        raise mailer.MailerError(
            bi(
                f"edition {rendered.id} goes out at {rendered.send_at}; nothing is sent before then",
                f"号 {rendered.id} を送る時刻は {rendered.send_at} です。それより前には送りません。",
            )
        )
    subscribers, problems = recipients(args.root, args.subscribers, args.no_server_database)
    for problem in problems:
        print(text(problem), file=sys.stderr)
    if args.dry_run:
        return dry_run(subscribers, ledger_path(args, folder, move=False), args.resend_in_doubt)
    secret = os.environ.get("SITE_BUILDER_NEWSLETTER_SECRET", "")
    if len(secret) < 16:
        raise mailer.MailerError(
            bi(
                "set SITE_BUILDER_NEWSLETTER_SECRET (16 characters or more) to sign unsubscribe links",
                "SITE_BUILDER_NEWSLETTER_SECRET を設定してください（16文字以上）。配信停止リンクの署名に使います。",
            )
        )
    smtp = mailer.SmtpSettings.from_env(os.environ)
    refuse_loopback_links(rendered, smtp)
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


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def refuse_loopback_links(rendered: RenderedEdition, smtp: mailer.SmtpSettings) -> None:
    """An edition whose unsubscribe link leads to this machine (a preview's server URL,
    SITE_BUILDER_SERVER_URL, at build time) goes only to a relay on this machine: readers
    elsewhere could not unsubscribe."""
    host = (urlsplit(rendered.unsubscribe_url).hostname or "").lower()
    if host in LOOPBACK_HOSTS and smtp.host.lower() not in LOOPBACK_HOSTS:
        raise mailer.MailerError(
            bi(
                f"edition {rendered.id}'s unsubscribe link is {rendered.unsubscribe_url}, on this machine; "
                "build it again without SITE_BUILDER_SERVER_URL (server_url must be the public https address)",
                f"号 {rendered.id} の配信停止リンクが {rendered.unsubscribe_url}（このパソコンの中）になっています。"
                "SITE_BUILDER_SERVER_URL を設定せずに、もう一度 build してください"
                "（mkdocs.yml の server_url は公開している https のアドレスにします）。",
            )
        )


def dry_run(subscribers: list[mailer.Subscriber], ledger: Path, resend_in_doubt: bool) -> int:
    _, last = mailer.read_ledger(ledger)
    todo, report = mailer.plan(subscribers, last, resend_in_doubt)
    for subscriber in todo:
        print(text(bi(f"would send to {subscriber.address}", f"送ります: {subscriber.address}")))
    counts = (len(todo), len(report.already), len(report.failed), len(report.in_doubt))
    summary = bi(
        f"dry run: {counts[0]} would be sent, {counts[1]} already sent, {counts[2]} failed before, "
        f"{counts[3]} in doubt; nothing was sent",
        f"試し（dry run）: 送るもの {counts[0]} 通、送信済み {counts[1]} 通、前に失敗 {counts[2]} 通、"
        f"届いたか不明 {counts[3]} 通。何も送っていません。",
    )
    print(text(summary), file=sys.stderr)
    return 0


def summarize(report: mailer.SendReport, invalid: int, ledger: Path) -> int:
    for address in report.in_doubt:
        doubt = bi(
            f"in doubt: {address} (killed while the relay was accepting it; see --resend-in-doubt)",
            f"届いたか不明: {address}（送信中に止まりました。--resend-in-doubt を参照）",
        )
        print(text(doubt), file=sys.stderr)
    for address in report.failed + report.deferred:
        print(
            text(bi(f"not delivered: {address} (see {ledger})", f"届いていません: {address}（{ledger} を参照）")),
            file=sys.stderr,
        )
    sent, already, deferred = len(report.sent), len(report.already), len(report.deferred)
    failed, in_doubt = len(report.failed), len(report.in_doubt)
    summary = bi(
        f"sent {sent}, already sent {already}, deferred {deferred} (rerun to retry), "
        f"failed {failed}, in doubt {in_doubt}, invalid or duplicate rows {invalid}",
        f"送信 {sent} 通、送信済み {already} 通、後回し {deferred} 通（もう一度実行すると送ります）、"
        f"失敗 {failed} 通、届いたか不明 {in_doubt} 通、誤りか重複の行 {invalid} 行",
    )
    print(text(summary), file=sys.stderr)
    return 0 if report.ok else 1
