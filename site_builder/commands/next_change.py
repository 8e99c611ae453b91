"""``site-builder next-change``: when the public output next changes by itself.

A static host only changes when someone builds. Besides commits, the output
changes at two kinds of moments, both written in the content:

* an item (case, event, news, issue page, page, newsletter edition) that is not a
  draft reaches its publish time ``date``;
* a public event ends (``Event.ends_at``) and moves from upcoming to past (lists,
  home page, its page, the registration button).

And while ``server_url`` is set, the forms' tokens age (content/forms.py): the site is
rebuilt at the latest :data:`~site_builder.content.forms.REFRESH_DAYS` days after ``--now``,
well before the server refuses a token (``server_form_token_max_age_days``).

The scheduled deploy workflow (.github/workflows/deploy.yml) asks this command
whether such a moment has passed since the last deploy, and rebuilds only then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from site_builder import pipeline
from site_builder.commands.options import add_now, now_of
from site_builder.content import dates
from site_builder.content.forms import REFRESH_DAYS
from site_builder.content.i18n import bi
from site_builder.content.readers import Content, Entry

NONE = "none"


def change_moments(entry: Entry) -> Iterable[dt.datetime]:
    if entry.meta.draft:
        return
    yield entry.meta.date
    if entry.kind == "event" and entry.meta.ends_at > entry.meta.date:
        yield entry.meta.ends_at  # an event published after it ended never changes lists again


def next_change(content: Content, now: dt.datetime, refresh_days: int | None = None) -> dt.datetime | None:
    """The first moment after ``now`` at which the public output changes, if any; at the
    latest ``refresh_days`` after ``now`` when given (the forms' tokens are issued anew)."""
    entries = [*content.all(), *content.editions]
    moments = [moment for entry in entries for moment in change_moments(entry) if moment > now]
    if refresh_days is not None:
        moments.append(now + dt.timedelta(days=refresh_days))
    return min(moments, default=None)


def register(commands) -> None:
    parser = commands.add_parser(
        "next-change",
        help=bi(
            "print when the public output next changes by itself (ISO 8601), or 'none'",
            "公開される内容が次にひとりでに変わる時刻を表示します（ISO 8601）。なければ none",
        ),
        description=bi(
            "Print the next moment after --now at which a build would publish something different: the next "
            "scheduled publish time of a non-draft item, or the end of a public event (it moves to past events), "
            "whichever comes first, as ISO 8601 in Asia/Tokyo (e.g. 2020-08-08T16:30:00+09:00); while server_url "
            f"is set, at the latest {REFRESH_DAYS} days after --now (the forms' tokens are issued anew). "
            f"Prints '{NONE}' "
            "when nothing is scheduled. Exit status: 0 in both cases; 1 when the content has errors (listed like "
            "`check`); 2 for a malformed --now.",
            "--now のあとで、ビルドすると公開される内容が変わる最初の時刻を表示します（next change）。"
            "下書きでない記事の公開予定の時刻（date）か、公開中のイベントの終わり（終わったイベントに移ります）の"
            "早いほうを、日本時間の ISO 8601 で書きます（例: 2020-08-08T16:30:00+09:00）。"
            "server_url を設定しているときは、フォームの符号を新しくするため、"
            f"遅くとも --now の {REFRESH_DAYS} 日後です。"
            f"予定がなければ {NONE} と表示します。終了コード: どちらも 0、原稿に誤りがあれば 1"
            "（check と同じように表示）、--now の書き方が正しくなければ 2。",
        ),
    )
    add_now(parser, bi("the moment to look from", "この時刻より後を探します"))
    parser.set_defaults(run=run_next_change)


def run_next_change(args) -> int:
    now = now_of(args)
    config, content = pipeline.load_valid(args.root, now)
    moment = next_change(content, now, REFRESH_DAYS if config.settings.server.url else None)
    print(moment.astimezone(dates.TOKYO).isoformat() if moment else NONE)
    return 0
