"""``site-builder sns plan|post``: the SNS queue on the command line (see ``sns/post.py``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.content.i18n import ERROR, bi, describe, text
from site_builder.content.select import select_public
from site_builder.sns.ledger import Ledger, LedgerBusy, LedgerError, ledger_paths, locked, read_ledger
from site_builder.sns.plan import Post, Settings, plan_posts, queue_rows, render_queue
from site_builder.sns.post import Runner, dry_run
from site_builder.writer import adopt_legacy

DUE_OR_DRY_RUN = bi(
    "say what to do: `sns post --due` posts what is due, `sns post --dry-run` shows the texts without posting",
    "どうするかを書いてください。投稿するなら `site-builder sns post --due`、"
    "文面を見るだけなら `site-builder sns post --dry-run` です。",
)


def register(commands) -> None:
    """``site-builder sns plan`` and ``site-builder sns post --due`` (``--dry-run`` alone: a preview)."""
    sns = commands.add_parser(
        "sns",
        help=bi(
            "SNS posts (X, Facebook, Mastodon, Bluesky): show the queue, post what is due",
            "SNS 投稿（X・Facebook・Mastodon・Bluesky）: 予定の一覧（queue）を見る、時刻が来た投稿を送る",
        ),
    )
    actions = sns.add_subparsers(title=bi("sns commands", "sns のコマンド"))
    plan = actions.add_parser(
        "plan",
        help=bi(
            "show the queue: what goes out when, what already went",
            "予定の一覧（queue）: いつ何を投稿するか、何がもう投稿されたか",
        ),
    )
    plan.add_argument(
        "--json", action="store_true", help=bi("the queue as JSON", "一覧を JSON で出します（全部の項目つき）")
    )
    add_now(plan, bi("the time to plan for", "一覧を作る時刻"))
    plan.set_defaults(run=run_plan)
    post = actions.add_parser(
        "post",
        help=bi(
            "post every due post not posted yet (--due), or show the texts (--dry-run)",
            "時刻が来てまだ投稿していないものを投稿します（--due）。--dry-run なら文面を見るだけ",
        ),
    )
    post.add_argument(
        "--due",
        action="store_true",
        help=bi(
            "post what is due (needed to post; with --dry-run: show only what is due)",
            "時刻が来た投稿（due）を送ります。投稿するときは必ず付けます。--dry-run と一緒なら、今送るものだけ表示",
        ),
    )
    post.add_argument(
        "--dry-run",
        action="store_true",
        help=bi(
            "show each text not posted yet (due or later) with its network, planned time and length; "
            "contacts nothing, sends nothing, writes nothing",
            "試し（dry run）: まだ投稿していない文面を、送り先・予定時刻・文字数つきで全部表示します。"
            "どこにも接続せず、何も送らず、何も書きません",
        ),
    )
    add_now(post, bi("the time to post for", "投稿の基準にする時刻"))
    post.set_defaults(run=run_post)
    sns.set_defaults(run=lambda args: (sns.print_help(), 2)[1])


def load_queue(root: Path, now: dt.datetime) -> tuple[Settings, list[Post], str, tuple[Path, Path | None]]:
    """Settings, every planned post, the base URL where pages are checked, and the
    ledger's paths (``sns.ledger.ledger_paths``)."""
    config, content = pipeline.load_valid(root, now)
    settings = config.settings.sns
    posts = plan_posts(select_public(content, now), settings, config.site_url)
    site_base = os.environ.get("SITE_BUILDER_SITE_URL") or config.site_url
    return settings, posts, site_base, ledger_paths(root, config.settings.state_dir, settings.ledger)


def open_ledger(path: Path, legacy: Path | None, move: bool = True) -> Ledger:
    """The ledger, after moving an earlier version's ledger into the state folder (read
    in place when ``move`` is false: a dry run writes nothing)."""
    if legacy is not None:
        path, note = adopt_legacy(legacy, path, move)
        if note:
            print(text(note), file=sys.stderr, flush=True)
    return read_ledger(path)


def run_plan(args) -> int:
    now = now_of(args)
    settings, posts, _, (path, legacy) = load_queue(args.root, now)
    try:
        ledger = open_ledger(path, legacy)
    except LedgerError as exc:
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 1
    rows = queue_rows(posts, ledger.records, now, settings.mastodon_limit)
    if args.json:
        print(json.dumps({"now": now.isoformat(), "posts": rows}, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_queue(rows))
    return 0


def run_post(args) -> int:
    if not (args.due or args.dry_run):
        print(f"{text(ERROR)}: {text(DUE_OR_DRY_RUN)}", file=sys.stderr)
        return 2
    now = now_of(args)
    settings, posts, site_base, (path, legacy) = load_queue(args.root, now)
    try:
        if args.dry_run:  # offline: the ledger is read in place, nothing is contacted
            return dry_run(posts, open_ledger(path, legacy, move=False), now, settings, due_only=args.due)
        with locked(path):
            return Runner(settings, open_ledger(path, legacy), site_base, now).run(posts)
    except LedgerBusy as exc:
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 75
    except LedgerError as exc:
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 1
