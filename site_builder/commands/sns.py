"""``site-builder sns plan|post``: the SNS queue on the command line (see ``sns/post.py``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.content.select import select_public
from site_builder.sns.ledger import Ledger, LedgerBusy, LedgerError, ledger_paths, locked, read_ledger
from site_builder.sns.plan import Post, Settings, plan_posts, queue_rows, render_queue
from site_builder.sns.post import Runner
from site_builder.writer import adopt_legacy


def register(commands) -> None:
    """``site-builder sns plan`` and ``site-builder sns post --due``."""
    sns = commands.add_parser(
        "sns", help="SNS posts (X, Facebook, Mastodon, Bluesky): show the queue, post what is due"
    )
    actions = sns.add_subparsers(title="sns commands")
    plan = actions.add_parser("plan", help="show the queue: what goes out when, what already went")
    plan.add_argument("--json", action="store_true", help="the queue as JSON")
    add_now(plan, "the time to plan for")
    plan.set_defaults(run=run_plan)
    post = actions.add_parser("post", help="post every due post not posted yet")
    post.add_argument("--due", action="store_true", required=True, help="post what is due (required)")
    post.add_argument("--dry-run", action="store_true", help="show what would be posted; send nothing, write nothing")
    add_now(post, "the time to post for")
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
            print(note, file=sys.stderr, flush=True)
    return read_ledger(path)


def run_plan(args) -> int:
    now = now_of(args)
    settings, posts, _, (path, legacy) = load_queue(args.root, now)
    try:
        ledger = open_ledger(path, legacy)
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = queue_rows(posts, ledger.records, now, settings.mastodon_limit)
    if args.json:
        print(json.dumps({"now": now.isoformat(), "posts": rows}, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_queue(rows))
    return 0


def run_post(args) -> int:
    now = now_of(args)
    settings, posts, site_base, (path, legacy) = load_queue(args.root, now)
    try:
        if args.dry_run:
            return Runner(settings, open_ledger(path, legacy, move=False), site_base, now, dry_run=True).run(posts)
        with locked(path):
            return Runner(settings, open_ledger(path, legacy), site_base, now).run(posts)
    except LedgerBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 75
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
