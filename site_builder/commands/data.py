"""``site-builder data pull``: refresh issue-page datasets (see ``issues/data_pull.py``)."""

from __future__ import annotations

import argparse
import sys

from site_builder.content.reporter import ContentErrors, Reporter
from site_builder.content.settings import read_config
from site_builder.issues.data_pull import collect_targets, printable, pull
from site_builder.issues.download import PullError


def register(commands) -> None:
    data = commands.add_parser("data", help="issue-page datasets (課題を知る)")
    actions = data.add_subparsers(title="data commands")
    pull = actions.add_parser(
        "pull",
        help="download datasets that have a download_url; replace a file only if the "
        "download parses and keeps the charts' columns; print what changed",
    )
    pull.add_argument("--dataset", metavar="ID", help="only the dataset(s) with this id")
    pull.add_argument(
        "--timeout",
        type=seconds,
        help="seconds to wait for a connection or for the next bytes "
        "(default: data_pull_connect_timeout_seconds and data_pull_read_timeout_seconds)",
    )
    pull.set_defaults(run=run_pull)


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {value!r}")
    return number


def run_pull(args) -> int:
    reporter = Reporter(args.root)
    rules = read_config(args.root, reporter).settings.data_pull
    if not reporter.ok:
        raise ContentErrors(reporter)
    if args.timeout:
        rules = rules.model_copy(update={"connect_timeout_seconds": args.timeout, "read_timeout_seconds": args.timeout})
    targets, problems = collect_targets(args.root, args.dataset)
    for message in problems:
        print(printable(f"error: {message}"), file=sys.stderr)
    if not targets and not problems:
        which = f"with the id {args.dataset!r} " if args.dataset else ""
        print(printable(f"error: no dataset {which}has a download_url"), file=sys.stderr)
        return 2
    failed = bool(problems)
    for target in targets:
        try:
            print(printable("\n".join(pull(args.root, target, rules))))
        except PullError as exc:
            name = printable(f"content/{target.file}", newlines=False)
            print(printable(f"error: {name}: not updated: {exc}"), file=sys.stderr)
            failed = True
    return 1 if failed else 0
