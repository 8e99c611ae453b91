"""``site-builder data pull``: refresh issue-page datasets (see ``issues/data_pull.py``)."""

from __future__ import annotations

import sys

from site_builder.issues.data_pull import PullError, collect_targets, pull


def register(commands) -> None:
    data = commands.add_parser("data", help="issue-page datasets (課題を知る)")
    actions = data.add_subparsers(title="data commands")
    pull = actions.add_parser(
        "pull",
        help="download datasets that have a download_url; replace a file only if the "
        "download parses and keeps the charts' columns; print what changed",
    )
    pull.add_argument("--dataset", metavar="ID", help="only the dataset(s) with this id")
    pull.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server (default 60)")
    pull.set_defaults(run=run_pull)


def run_pull(args) -> int:
    targets, problems = collect_targets(args.root, args.dataset)
    for message in problems:
        print(f"error: {message}", file=sys.stderr)
    if not targets and not problems:
        which = f"with the id {args.dataset!r} " if args.dataset else ""
        print(f"error: no dataset {which}has a download_url", file=sys.stderr)
        return 2
    failed = bool(problems)
    for target in targets:
        try:
            print("\n".join(pull(args.root, target, args.timeout)))
        except PullError as exc:
            print(f"error: content/{target.file}: not updated: {exc}", file=sys.stderr)
            failed = True
    return 1 if failed else 0
