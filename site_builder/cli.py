"""The ``site-builder`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from site_builder.content.reporter import ContentErrors
from site_builder.content import dates
from site_builder import pipeline
from site_builder.context import Progress
from site_builder.content.settings import ConfigError
from site_builder.site.engine import EngineError
from site_builder.commands import newsletter as newsletter_cli
from site_builder.sns import post as sns_post
from site_builder.commands import next_change as schedule
from site_builder.issues import data_pull
from site_builder.issues.charts import ChartError
from site_builder.commands.new import FOLDERS, ScaffoldError, new_file
from site_builder.site.search_index import SearchIndexError
from site_builder.writer import WriterError

# Failures that are the user's to fix: reported in one line, never a traceback.
USER_ERRORS = (ConfigError, EngineError, ScaffoldError, SearchIndexError, WriterError)
USER_ERRORS += (ChartError,)  # no Japanese font to draw issue-page charts with


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ContentErrors as exc:
        return report(exc.reporter)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a malformed --now and the like
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def report(reporter) -> int:
    for message in reporter.messages:
        print(message, file=sys.stderr)
    count = len(reporter.messages)
    print(f"{count} error{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-builder", description="Build the center's site and channels from cases/, events/ and content/.")
    parser.add_argument("--root", type=Path, default=Path("."), help="project folder (default: current folder)")
    commands = parser.add_subparsers(title="commands")

    check = commands.add_parser("check", help="validate all content; print every error as path:line: field: message")
    check.set_defaults(run=run_check)

    build = commands.add_parser("build", help="check, then build the whole site atomically")
    build.add_argument("--site-dir", type=Path, default=Path("site"), help="output folder (default: site/)")
    add_now(build)
    build.add_argument("--quiet", action="store_true", help="no progress lines")
    build.set_defaults(run=run_build)

    serve = commands.add_parser("serve", help="live preview: rebuilds when a file changes and reloads the browser")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add_now(serve)
    serve.set_defaults(run=run_serve)

    new = commands.add_parser("new", help="write a new, valid content file (as a draft)")
    new.add_argument("kind", choices=sorted(FOLDERS))
    new.add_argument("title")
    new.add_argument("--slug", required=True, help="URL segment: a-z, 0-9 and -")
    add_now(new)
    new.set_defaults(run=run_new)
    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


def add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", help="build time, e.g. 2020-07-01T09:00 (default: $SITE_BUILDER_NOW, $SOURCE_DATE_EPOCH or the clock)")


def run_check(args) -> int:
    reporter = pipeline.check(args.root)
    if not reporter.ok:
        return report(reporter)
    print("content is valid", file=sys.stderr)
    return 0


def run_build(args) -> int:
    now = dates.resolve_now(args.now)
    site_dir = args.site_dir if args.site_dir.is_absolute() else args.root / args.site_dir
    pipeline.build_site(args.root, site_dir, now, Progress(quiet=args.quiet))
    return 0


def run_serve(args) -> int:
    from site_builder.commands.serve import serve

    return serve(args.root, args.host, args.port, args.now)


def run_new(args) -> int:
    path = new_file(args.root, args.kind, args.title, args.slug, dates.resolve_now(args.now))
    print(f"wrote {path} (draft: set draft: false to publish)")
    return 0


# Commands of other channels register themselves here: one line each.
EXTRA_COMMANDS: list = []
EXTRA_COMMANDS.append(newsletter_cli.register)  # site-builder newsletter build|send
EXTRA_COMMANDS.append(sns_post.register)  # site-builder sns plan|post
EXTRA_COMMANDS.append(schedule.register)  # site-builder next-change [--now T]
EXTRA_COMMANDS.append(data_pull.register)  # site-builder data pull [--dataset ID]


if __name__ == "__main__":
    sys.exit(main())
