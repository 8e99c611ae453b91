"""Options several commands share, written once: ``--now`` above all."""

from __future__ import annotations

import argparse
import datetime as dt

from site_builder.content import dates
from site_builder.content.i18n import bi, japanese

NOW_SOURCES = "default: $SITE_BUILDER_NOW, else $SOURCE_DATE_EPOCH, else the clock"
NOW_SOURCES_JA = "書かなければ $SITE_BUILDER_NOW、なければ $SOURCE_DATE_EPOCH、なければ今の時刻"
BUILD_TIME = bi("the build time", "ビルドの時刻（now）")


def add_now(parser: argparse.ArgumentParser, what: str = BUILD_TIME) -> None:
    """``--now TIME``: ``what`` the time means for this command (best a ``bi()``: the help
    is printed in the run's language), e.g. 2020-07-01T09:00 (Asia/Tokyo)."""
    parser.add_argument(
        "--now",
        metavar="TIME",
        help=bi(
            f"{what}, e.g. 2020-07-01T09:00 (Asia/Tokyo unless an offset is given; {NOW_SOURCES})",
            f"{japanese(what)}。例: 2020-07-01T09:00（時差を書かなければ日本時間。{NOW_SOURCES_JA}）",
        ),
    )


def now_of(args: argparse.Namespace) -> dt.datetime:
    """The moment ``--now`` (or the environment, or the clock) stands for."""
    return dates.resolve_now(args.now)
