"""``site-builder check`` and ``site-builder build``."""

from __future__ import annotations

import sys
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.content.i18n import bi, text
from site_builder.content.reporter import CHECK_FAILED, print_errors, print_warnings
from site_builder.context import Progress


def register(commands) -> None:
    check = commands.add_parser(
        "check",
        help=bi(
            "validate all content and settings; print every error as path:line: field: message",
            "原稿と設定をすべて確かめます（check）。誤りは「ファイル:行: 項目: 説明」の形で全部表示します",
        ),
    )
    add_now(check, "the build time the content is checked for (what is public then)")
    check.set_defaults(run=run_check)

    build = commands.add_parser(
        "build",
        help=bi(
            "check, then build the whole site atomically",
            "確かめてからサイト全体を作ります（build）。途中で失敗したときは前のサイトのまま残ります",
        ),
    )
    build.add_argument(
        "--site-dir",
        type=Path,
        default=Path("site"),
        help=bi("output folder (default: site/)", "できたサイトを置くフォルダ（既定: site/）"),
    )
    add_now(build)
    build.add_argument(
        "--quiet", action="store_true", help=bi("no progress lines", "進み具合（progress）の行を表示しません")
    )
    build.set_defaults(run=run_build)


def run_check(args) -> int:
    reporter = pipeline.check(args.root, now_of(args))
    if not reporter.ok:
        print_errors(reporter, CHECK_FAILED)
        return 1
    print_warnings(reporter)
    print(text(bi("content is valid", "誤りはありません。")), file=sys.stderr)
    return 0


def run_build(args) -> int:
    site_dir = args.site_dir if args.site_dir.is_absolute() else args.root / args.site_dir
    pipeline.build_site(args.root, site_dir, now_of(args), Progress(quiet=args.quiet))
    return 0
