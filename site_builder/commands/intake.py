"""``site-builder intake list|show|export|delete|purge``: the consultations the server took.

``export`` starts a case draft (``cases/<slug>.md``: ``status: proposal``, ``draft: true``)
from a consultation: its kind and wards, and placeholders. Nothing the sender wrote goes
into it (the file goes into the repository, whose history keeps it for ever); the draft
points at ``intake show ID`` instead. ``delete`` removes one consultation at the sender's
request; ``purge`` applies the retention period (``server_retention_days``), as the
server itself does every hour.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.new import Draft, ScaffoldError, check_request, minute, sections
from site_builder.commands.options import add_now, now_of
from site_builder.commands.server import open_database
from site_builder.content.dates import TOKYO
from site_builder.content.forms import INTAKE, INTAKE_KINDS
from site_builder.content.i18n import bi, text
from site_builder.content.placeholders import placeholder as todo
from site_builder.content.wards import AREA_NAMES
from site_builder.server import store

KINDS = dict(INTAKE_KINDS)


def register(commands) -> None:
    intake = commands.add_parser(
        "intake",
        help=bi(
            "consultations taken by the server: list, show, export as a case draft, purge old ones",
            "サーバーが受け付けた相談: 一覧・表示・協働事例の下書きにする・古いものを消す",
        ),
    )
    intake.set_defaults(run=lambda args: intake.print_help() or 2)
    actions = intake.add_subparsers(title=bi("intake commands", "intake のコマンド"))
    actions.add_parser("list", help=bi("list every consultation", "相談の一覧")).set_defaults(run=run_list)
    show = actions.add_parser("show", help=bi("show one consultation", "相談を1件表示します"))
    show.add_argument("number", type=int, metavar="ID", help=bi("its number", "受付番号"))
    show.set_defaults(run=run_show)
    export = actions.add_parser(
        "export",
        help=bi(
            "write cases/<slug>.md, a case draft (status: proposal) from a consultation",
            "相談から協働事例の下書き cases/<slug>.md（status: proposal）を作ります",
        ),
    )
    export.add_argument("number", type=int, metavar="ID", help=bi("its number", "受付番号"))
    export.add_argument(
        "--slug",
        help=bi("the case's URL segment (default: intake-<ID>)", "事例の URL になる名前（既定: intake-受付番号）"),
    )
    add_now(export, bi("the draft's date", "下書きの date に書く日時"))
    export.set_defaults(run=run_export)
    delete = actions.add_parser(
        "delete",
        help=bi(
            "delete one consultation (at the sender's request)", "相談を1件消します（相談した方から求められたとき）"
        ),
    )
    delete.add_argument("number", type=int, metavar="ID", help=bi("its number", "受付番号"))
    delete.set_defaults(run=run_delete)
    purge = actions.add_parser(
        "purge",
        help=bi(
            "delete consultations and ended subscriptions older than server_retention_days and "
            "sign-ups whose confirmation link expired (the server does it hourly too)",
            "server_retention_days より古い相談と停止した登録、確認の期限が過ぎた登録を消します"
            "（サーバーも1時間ごとに行います）",
        ),
    )
    add_now(purge, bi("the current time", "今の時刻"))
    purge.set_defaults(run=run_purge)


def when(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, TOKYO).strftime("%Y-%m-%d %H:%M")


def run_list(args) -> int:
    engine = open_database(args.root, pipeline.load_config(args.root))
    found = store.list_consultations(engine)
    print(text(bi("ID\treceived\tkind\tfrom\tstaff told\tcase", "番号\t受付日時\t種類\t相談者\t職員へ通知\t事例")))
    for item in found:
        told = text(bi("yes", "済")) if item.staff_notified else text(bi("NOT SENT", "未送信"))
        who = " ".join(part for part in (item.organization, item.person) if part)
        print(f"{item.id}\t{when(item.received_at)}\t{KINDS[item.kind]}\t{who}\t{told}\t{item.exported_to or '-'}")
    print(text(bi(f"{len(found)} consultations", f"相談 {len(found)} 件")), file=sys.stderr)
    return 0


def find(args):
    item = store.find_consultation(open_database(args.root, pipeline.load_config(args.root)), args.number)
    if item is None:
        raise ScaffoldError(
            bi(
                f"no consultation {args.number}; `site-builder intake list` lists them",
                f"受付番号 {args.number} の相談はありません。`site-builder intake list` で一覧を見られます。",
            )
        )
    return item


def run_show(args) -> int:
    item = find(args)
    print(f"受付番号: {item.id}\n受付日時: {when(item.received_at)}")
    for field in INTAKE.fields:
        if field.kind == "consent":
            continue
        value = getattr(item, field.name)
        if field.name == "kind":
            value = KINDS[value]
        elif field.name == "wards":
            value = "・".join(AREA_NAMES[ward] for ward in value)
        print(f"{field.label}:\n{value}\n" if field.kind == "textarea" else f"{field.label}: {value}")
    return 0


def case_from(item: store.Consultation, now: dt.datetime) -> tuple[str, Draft]:
    """The title and the case draft a consultation starts: its kind and wards only."""
    title = f"{KINDS[item.kind]}（受付番号 {item.id}）"
    partners = [
        {"name": todo("協働先の団体名"), "type": "other"},
        {"name": todo("もう一つの協働先（例：横浜市 市民局）"), "type": "government"},
    ]
    fields = {
        "title": title,
        "date": minute(now),
        "summary": todo("概要を1〜2文で。一覧・SNS・メルマガに使われます"),
        "draft": True,
        "partners": partners,
        "status": "proposal",
    }
    if item.wards:
        fields["wards"] = list(item.wards)
    body = (
        "## 相談の内容\n\n"
        + todo(
            f"受け付けた相談は site-builder intake show {item.id} で見られます（ここには写していません）。"
            "公開する文に書き直し、個人が分かることは書かないでください"
        )
        + "\n\n"
        + sections(("背景", "なぜこの協働が始まったか"), ("取組内容", "だれが、何をしたか"), ("今後", "これからの予定"))
    )
    return title, Draft(
        fields,
        notes={"partners": "2つ以上。type は npo, company, university, government, community（地縁組織）, other"},
        body=body,
    )


def run_export(args) -> int:
    item = find(args)
    slug = args.slug or f"intake-{item.id}"
    title, draft = case_from(item, now_of(args).astimezone(TOKYO))
    check_request(args.root, "case", title, slug)
    path = Path("cases") / f"{slug}.md"
    try:
        with open(args.root / path, "x", encoding="utf-8") as file:  # never over an existing case
            file.write(draft.render())
    except FileExistsError:
        raise ScaffoldError(
            bi(f"{path} already exists: choose another --slug", f"{path} はもうあります。別の --slug にしてください")
        ) from None
    engine = open_database(args.root, pipeline.load_config(args.root))
    store.mark_consultation(engine, item.id, exported_to=path.as_posix())
    done = bi(
        f"wrote {path} (a draft: rewrite every 【要記入：…】 and remove personal details before publishing)",
        f"{path} を作りました（下書き）。【要記入：…】の所を書き換え、個人が分かることを消してから公開してください。",
    )
    print(text(done))
    return 0


def run_delete(args) -> int:
    item = find(args)
    store.delete_consultation(open_database(args.root, pipeline.load_config(args.root)), item.id)
    done = bi(f"deleted consultation {item.id}", f"受付番号 {item.id} の相談を消しました。")
    if item.exported_to:
        done = bi(
            f"{done}; {item.exported_to} was written from it: check that it holds nothing of the sender",
            f"{done.ja}この相談から {item.exported_to} を作っています。"
            "相談した方のことが書かれていないか確かめてください。",
        )
    print(text(done))
    return 0


def run_purge(args) -> int:
    config = pipeline.load_config(args.root)
    days = config.settings.server.retention_days
    counts = store.purge(open_database(args.root, config), int(now_of(args).timestamp()), days)
    summary = bi(
        f"deleted {counts['consultations']} consultations and {counts['unsubscribed']} ended subscriptions "
        f"older than {days} days, and {counts['pending']} unconfirmed sign-ups",
        f"{days}日より古い相談 {counts['consultations']} 件と停止した登録 {counts['unsubscribed']} 件、"
        f"確認の期限が過ぎた登録 {counts['pending']} 件を消しました"
        "（停止の記録は、アドレスの分からない形で残ります）",
    )
    print(text(summary))
    return 0
