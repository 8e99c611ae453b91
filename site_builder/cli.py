"""The ``site-builder`` command: one parser, one line per command, one error policy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from site_builder.commands import data, new, next_change, serve, site, sns
from site_builder.commands import newsletter as newsletter_commands
from site_builder.content.i18n import LANGUAGES, bi, describe, set_language, text
from site_builder.content.reporter import BUILD_FAILED, ContentErrors, print_errors
from site_builder.content.settings import ConfigError
from site_builder.issues.charts import ChartError
from site_builder.site.engine import EngineError
from site_builder.site.search_index import SearchIndexError
from site_builder.writer import MACHINE_ERRORS, BuildBusy, WriterError

# Each command registers its own subparser: one line each, in the order of `--help`.
COMMANDS: list = []
COMMANDS.append(site.register)  # site-builder check | build
COMMANDS.append(serve.register)  # site-builder serve
COMMANDS.append(new.register)  # site-builder new case|event|news|issue|newsletter
COMMANDS.append(newsletter_commands.register)  # site-builder newsletter build|send
COMMANDS.append(sns.register)  # site-builder sns plan|post
COMMANDS.append(next_change.register)  # site-builder next-change [--now T]
COMMANDS.append(data.register)  # site-builder data pull [--dataset ID]

ERROR = bi("error", "エラー")

# Failures that are the user's to fix: reported in one line, never a traceback.
USER_ERRORS = (ConfigError, EngineError, new.ScaffoldError, SearchIndexError, WriterError)
USER_ERRORS += (ChartError,)  # no Japanese font to draw issue-page charts with


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(args.lang)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ContentErrors as exc:
        print_errors(exc.reporter, BUILD_FAILED)
        return 1
    except BuildBusy as exc:  # another build of the same folder: try again later (EX_TEMPFAIL)
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 75
    except USER_ERRORS as exc:
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a malformed --now and the like
        print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine's condition (a full disk…) in a command that does not word it itself
        if exc.errno not in MACHINE_ERRORS:
            raise  # a fault of the program: its traceback is the report
        what, advice = MACHINE_ERRORS[exc.errno]
        print(f"error: {what}: {exc.filename or 'no file named'}: {advice} and run it again", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="site-builder", description="Build the center's site and channels from cases/, events/ and content/."
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="project folder (default: current folder)")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="language of messages (default: ja; en when SITE_BUILDER_LANG=en or the locale is C or English)",
    )
    commands = parser.add_subparsers(title="commands")
    for register in COMMANDS:
        register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
