"""``site-builder data pull``: refresh issue-page datasets (see ``issues/data_pull.py``)."""

from __future__ import annotations

import argparse
import sys

from site_builder.content.i18n import ERROR, bi, describe, text
from site_builder.content.reporter import ContentErrors, Reporter
from site_builder.content.settings import read_config


def register(commands) -> None:
    data = commands.add_parser(
        "data", help=bi("issue-page datasets (課題を知る)", "課題を知るページのデータ（dataset）")
    )
    actions = data.add_subparsers(title=bi("data commands", "data のコマンド"))
    pull = actions.add_parser(
        "pull",
        help=bi(
            "download datasets that have a download_url; replace a file only if the "
            "download parses and keeps the charts' columns; print what changed",
            "download_url のあるデータを取り込みます（pull）。読めて、グラフの列がそろっているときだけ"
            "ファイルを入れ替え、変わったところを表示します",
        ),
    )
    pull.add_argument(
        "--dataset",
        metavar="ID",
        help=bi("only the dataset(s) with this id", "この id のデータだけを取り込みます"),
    )
    pull.add_argument(
        "--timeout",
        type=seconds,
        help=bi(
            "seconds to wait for a connection or for the next bytes "
            "(default: data_pull_connect_timeout_seconds and data_pull_read_timeout_seconds)",
            "接続や受信を待つ秒数（timeout）。書かなければ mkdocs.yml の "
            "data_pull_connect_timeout_seconds と data_pull_read_timeout_seconds",
        ),
    )
    pull.set_defaults(run=run_pull)


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        message = bi(
            f"must be a number of seconds above 0, got {value!r}",
            f"0 より大きい秒数を書いてください（例: 30）。書かれていたのは {value!r} です",
        )
        raise argparse.ArgumentTypeError(text(message))  # argparse keeps only the text
    return number


def run_pull(args) -> int:
    # Imported here: the HTTP client is not needed by the other commands (each starts faster).
    from site_builder.issues.data_pull import collect_targets, printable, pull
    from site_builder.issues.download import PullError

    reporter = Reporter(args.root)
    rules = read_config(args.root, reporter).settings.data_pull
    if not reporter.ok:
        raise ContentErrors(reporter)
    if args.timeout:
        rules = rules.model_copy(update={"connect_timeout_seconds": args.timeout, "read_timeout_seconds": args.timeout})
    targets, problems = collect_targets(args.root, args.dataset)
    for message in problems:
        print(printable(f"{text(ERROR)}: {text(message)}"), file=sys.stderr)
    if not targets and not problems:
        if args.dataset:
            message = bi(
                f"no dataset with the id {args.dataset!r} has a download_url",
                f"id が {args.dataset!r} のデータには download_url がありません。"
                "content/issues/ のページの datasets に download_url を書くと取り込めます",
            )
        else:
            message = bi(
                "no dataset has a download_url",
                "download_url のあるデータがありません。"
                "content/issues/ のページの datasets に download_url を書くと取り込めます",
            )
        print(printable(f"{text(ERROR)}: {text(message)}"), file=sys.stderr)
        return 2
    failed = bool(problems)
    for target in targets:
        try:
            print(printable("\n".join(pull(args.root, target, rules))))
        except PullError as exc:
            name = printable(f"content/{target.file}", newlines=False)
            message = bi(f"{name}: not updated: {exc}", f"{name}: 更新していません: {describe(exc)}")
            print(printable(f"{text(ERROR)}: {text(message)}"), file=sys.stderr)
            failed = True
    return 1 if failed else 0
