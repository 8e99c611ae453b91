"""Options several commands share, written once: ``--now`` above all."""

from __future__ import annotations

import argparse
import datetime as dt

from site_builder.content import dates

NOW_SOURCES = "default: $SITE_BUILDER_NOW, else $SOURCE_DATE_EPOCH, else the clock"


def add_now(parser: argparse.ArgumentParser, what: str = "the build time") -> None:
    """``--now TIME``: ``what`` the time means for this command, e.g. 2020-07-01T09:00 (Asia/Tokyo)."""
    parser.add_argument(
        "--now",
        metavar="TIME",
        help=f"{what}, e.g. 2020-07-01T09:00 (Asia/Tokyo unless an offset is given; {NOW_SOURCES})",
    )


def now_of(args: argparse.Namespace) -> dt.datetime:
    """The moment ``--now`` (or the environment, or the clock) stands for."""
    return dates.resolve_now(args.now)
