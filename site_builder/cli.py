"""The ``site-builder`` command: one parser, one line per command, one error policy."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from site_builder.commands import data, intake, new, next_change, serve, server, site, sns
from site_builder.commands import newsletter as newsletter_commands
from site_builder.commands.cms_local import CmsError
from site_builder.commands.parser import LanguageAction, Parser
from site_builder.content.i18n import ERROR, LANGUAGES, bi, describe, set_language, text
from site_builder.content.reporter import BUILD_FAILED, ContentErrors, print_errors
from site_builder.content.settings import ConfigError
from site_builder.issues.charts import ChartError
from site_builder.server.database import DatabaseError
from site_builder.server.service import ServerError
from site_builder.server.unsubscribe_mail import MailboxError
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
COMMANDS.append(server.register)  # site-builder server [migrate]
COMMANDS.append(intake.register)  # site-builder intake list|show|export|purge

SIGPIPE_STATUS = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away

# Failures that are the user's to fix: reported in one line, never a traceback.
USER_ERRORS = (ConfigError, EngineError, new.ScaffoldError, SearchIndexError, WriterError)
USER_ERRORS += (ChartError,)  # no Japanese font to draw issue-page charts with
USER_ERRORS += (CmsError,)  # serve --cms cannot start the web editor
USER_ERRORS += (ServerError, DatabaseError, MailboxError)  # the server's settings, database, a mailbox


def main(argv: list[str] | None = None) -> int:
    set_language(None)  # the environment's language until --lang is read
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(args.lang)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code = args.run(args)
        sys.stdout.flush()  # a reader that went away is noticed here, not at exit
        return code
    except BrokenPipeError:
        return reader_gone()
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


def reader_gone() -> int:
    """The output's reader closed it (``site-builder sns plan --json | head -1``): end
    quietly, with the status of a process ended by SIGPIPE. Whatever is still buffered
    goes to /dev/null, so that Python's flush at exit does not complain either (see
    "Note on SIGPIPE" in the documentation of the signal module)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (a test's capture): nothing to silence
        pass
    return SIGPIPE_STATUS


def build_parser() -> Parser:
    parser = Parser(
        prog="site-builder",
        description=bi(
            "Build the center's site and channels from cases/, events/ and content/.",
            "cases/・events/・content/ の原稿から、センターのサイトと配信（フィード、カレンダー、API、"
            "メルマガ、SNS）を作ります。コマンドごとの説明は site-builder コマンド --help で見られます"
            "（例: site-builder build --help）。",
        ),
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help=bi(
            "project folder (default: current folder)",
            "プロジェクトのフォルダ（root）。書かなければ今いるフォルダ。コマンドより前に書きます",
        ),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        action=LanguageAction,
        help=bi(
            "language of messages (default: ja; en when SITE_BUILDER_LANG=en or the locale is C or English)",
            "表示の言語（language）: ja（日本語）か en（英語）。書かなければ日本語。"
            "SITE_BUILDER_LANG=en や英語のロケールでは英語",
        ),
    )
    commands = parser.add_subparsers(title=bi("commands", "コマンド"))
    for register in COMMANDS:
        register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
