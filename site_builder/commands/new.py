"""``site-builder new``: start a content file from a title, as a draft.

What the editor still has to write is marked ``【要記入：…】`` (content/placeholders.py):
as a value, in the body, or in a comment beside a value ``new`` had to guess.
The file passes ``check`` as written; ``check`` refuses it once ``draft: true`` is
gone and a mark is still there. Optional fields follow as commented-out examples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from site_builder.commands.options import add_now, now_of
from site_builder.content import dates
from site_builder.content.frontmatter import ContentFileError, read_source
from site_builder.content.i18n import bi, text
from site_builder.content.kinds import CASE, DATA_FOLDER, EDITION, EVENT, ISSUE, NEWS
from site_builder.content.models import SLUG_PATTERN
from site_builder.content.placeholders import placeholder as todo

# The kinds `new` can start a file of, by the name on the command line.
KINDS = {"case": CASE, "event": EVENT, "news": NEWS, "issue": ISSUE, "newsletter": EDITION}
FOLDERS = {name: kind.folder for name, kind in KINDS.items()}
KIND_HELP = "case 協働事例, event イベント, news お知らせ, issue 課題を知る, newsletter メルマガの号"
CENTER = ("横浜市市民協働推進センター スペースA・B", "横浜市中区本町6-50-10 横浜市役所1階")
OPTIONAL_LEAD = "書いてもよい項目（使うときは行頭の「# 」を消します）:"


class ScaffoldError(Exception):
    pass


def register(commands) -> None:
    new = commands.add_parser(
        "new",
        help="新しい原稿（下書き）を作ります (write a new content file, as a draft)",
        description="新しい原稿を下書き（draft: true）で作ります。【要記入：…】の所を書き換えてから公開します "
        "(write a new draft; replace every 【要記入：…】 before publishing)",
    )
    new.add_argument("kind", choices=list(KINDS), help=f"作るもの (what to write): {KIND_HELP}")
    new.add_argument("title", help="題名、1〜100字 (the title, 1–100 characters)")
    new.add_argument(
        "--slug",
        "--id",
        dest="slug",
        metavar="NAME",
        required=True,
        help="URL になる名前。a-z, 0-9 と - だけ（例 ibasho）。newsletter では号の名前（例 2020-07a） "
        "(URL segment; for newsletter, the edition id)",
    )
    add_now(
        new,
        "新しいファイルの date（公開する日時。newsletter では送る日時）に書く日時 (the date written into the new file)",
    )
    new.set_defaults(run=run_new)


def run_new(args) -> int:
    paths = write_new(args.root, args.kind, args.title, args.slug, now_of(args))
    names = ", ".join(str(path) for path in paths)
    done = bi(
        f"wrote {names} (a draft: replace every 【要記入：…】, then set draft: false to publish)",
        f"{names} を作りました（下書き）。【要記入：…】の所をすべて本当の内容に書き換えてから、"
        "draft: false にすると公開されます。",
    )
    print(text(done))
    return 0


@dataclass
class Draft:
    """A new file: its front matter, what to note beside a field, commented-out optional
    fields, the body, and the other files it needs (relative to the project)."""

    fields: dict
    notes: dict[str, str] = field(default_factory=dict)  # field name → comment on its first line
    optional: list[str] = field(default_factory=list)
    body: str = ""
    files: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        lines = yaml.safe_dump(self.fields, allow_unicode=True, sort_keys=False, width=10**9).splitlines()
        for name, note in self.notes.items():
            index = next(i for i, line in enumerate(lines) if line.lstrip(" -").startswith(f"{name}:"))
            lines[index] += f"  # {note}"
        if self.optional:
            lines += [f"# {OPTIONAL_LEAD}", *(f"# {line}" for line in self.optional)]
        return "---\n" + "".join(f"{line}\n" for line in lines) + f"---\n\n{self.body}"


def slug_owner(folder: Path, slug: str) -> Path | None:
    """The file in ``folder`` whose front matter sets ``slug: <slug>``, if any."""
    for path in sorted(folder.glob("*.md")):
        try:
            data = read_source(path).data
        except ContentFileError:
            continue  # `check` reports it; it cannot claim a slug
        if data.get("slug") == slug:
            return path
    return None


def write_new(root: Path, kind: str, title: str, slug: str, now: dt.datetime) -> list[Path]:
    """Write the new draft of ``kind`` (and the files it needs); the paths written."""
    check_request(root, kind, title, slug)
    draft = DRAFTS[kind](title, slug, now.astimezone(dates.TOKYO))
    path = Path(FOLDERS[kind]) / f"{slug}.md"
    files = {path.as_posix(): draft.render(), **draft.files}
    for name in files:
        if (root / name).exists():
            raise ScaffoldError(
                bi(
                    f"{name} already exists: choose another {option(kind)}",
                    f"{name} はもうあります。別の {option(kind)} にしてください",
                )
            )
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    return [root / name for name in files]


def option(kind: str) -> str:
    return "--id" if kind == "newsletter" else "--slug"


def check_request(root: Path, kind: str, title: str, slug: str) -> None:
    """Refuse an unsafe or taken slug and a title the file could not hold."""
    example = "2020-07a" if kind == "newsletter" else "ibasho-2020"
    if not SLUG_PATTERN.match(slug):
        raise ScaffoldError(
            bi(
                f"unsafe {option(kind)} {slug!r}: use only a-z, 0-9 and single '-' between them",
                f"{option(kind)} {slug!r} には使えない文字があります。a-z の小文字、0-9 の数字と、"
                f"その間の - だけで書いてください（例：{option(kind)} {example}）",
            )
        )
    if not 1 <= len(title) <= 100:
        raise ScaffoldError(
            bi("the title must be 1–100 characters", f"題名は1〜100字で書いてください（今は{len(title)}字です）")
        )
    if any(char in title for char in "\r\n\t\x00\u2028\u2029\x85"):
        raise ScaffoldError(bi("the title must be one line", "題名は改行を入れずに1行で書いてください"))
    taken = slug_owner(root / FOLDERS[kind], slug)
    if taken is not None:
        shown = taken.relative_to(root).as_posix()
        raise ScaffoldError(
            bi(
                f"slug {slug!r} is already used by {shown}: choose another --slug",
                f"slug {slug!r} は {shown} がもう使っています。別の --slug にしてください",
            )
        )


# --- what each kind starts with -------------------------------------------------


def minute(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M}"


def common(title: str, now: dt.datetime) -> dict:
    """Publish time = now, so that once draft is false the next build shows it."""
    return {
        "title": title,
        "date": minute(now),
        "summary": todo("概要を1〜2文で。一覧・SNS・メルマガに使われます"),
        "draft": True,
    }


def sections(*parts: tuple[str, str]) -> str:
    return "\n\n".join(f"## {heading}\n\n{todo(hint)}" for heading, hint in parts) + "\n"


def case_draft(title: str, slug: str, now: dt.datetime) -> Draft:
    partners = [
        {"name": todo("協働先の団体名"), "type": "npo"},
        {"name": todo("もう一つの協働先（例：横浜市 市民局）"), "type": "government"},
    ]
    return Draft(
        common(title, now) | {"partners": partners, "status": "planning"},
        notes={
            "partners": "2つ以上。type は npo, company, university, government, community（地縁組織）, other",
            "status": todo("proposal（提案）, planning（検討中）, ongoing（実施中）, completed（完了）から選ぶ"),
        },
        optional=[
            "wards: [naka]  # 区の名前（tsurumi, kanagawa, nishi, naka …）。市全体なら citywide",
            "sdgs: [11, 17]  # SDGs の番号（1〜17）",
            f"started: {now.date().isoformat()}  # 協働を始めた日",
        ],
        body=sections(
            ("背景", "なぜこの協働が始まったか"),
            ("取組内容", "だれが、何をしたか"),
            ("成果", "分かったこと、変わったこと"),
            ("今後", "これからの予定"),
        ),
    )


def event_draft(title: str, slug: str, now: dt.datetime) -> Draft:
    day = (now + dt.timedelta(days=30)).date().isoformat()
    venue, address = CENTER
    return Draft(
        common(title, now) | {"start": f"{day}T18:30", "end": f"{day}T20:30", "venue": venue, "address": address},
        notes={
            "start": todo(f"始まる日時（例：{day}T18:30）"),
            "end": todo("終わる日時"),
            "venue": todo("会場。センターでなければ venue と address を書き換える（オンラインなら online）"),
        },
        optional=[
            "capacity: 25  # 定員（数字だけ）",
            "fee: 無料  # 参加費",
            "registration: 申し込みフォームのURL（https:// から）",
            "online: オンライン会場のURL（https:// から。申し込んだ人に後で送るなら true）",
        ],
        body=sections(
            ("概要", "何をするイベントか"), ("プログラム", "時間と内容"), ("参加方法", "申し込み方法と締め切り")
        ),
    )


def news_draft(title: str, slug: str, now: dt.datetime) -> Draft:
    return Draft(common(title, now), body=todo("本文。いつ、どこで、何が、問い合わせ先") + "\n")


def issue_draft(title: str, slug: str, now: dt.datetime) -> Draft:
    """An issue page needs a dataset and a chart: a small sample CSV, its labels marked."""
    csv_name = f"{DATA_FOLDER.split('/', 1)[1]}/{slug}.csv"
    dataset = {
        "id": slug,
        "file": csv_name,
        "source": todo("出典（例：横浜市「推計人口」）"),
        "source_url": "https://www.city.yokohama.lg.jp/",
        "license": todo("利用条件（例：CC BY 4.0）"),
        "retrieved": now.date(),
    }
    chart = {"dataset": slug, "type": "bar", "x": "項目", "y": "値", "title": todo("グラフの題名")}
    sample = f"項目,値\n{todo('1行目の名前')},1\n{todo('2行目の名前')},2\n"
    return Draft(
        common(title, now) | {"datasets": [dataset], "charts": [chart]},
        notes={
            "file": f"見本のCSVです。市のCSVに置き換えたら、x と y をその列の名前に（content/{csv_name}）",
            "source_url": todo("出典のページのURL"),
            "retrieved": todo("CSVを手に入れた日"),
            "type": "bar, line, stacked-bar",
        },
        body=f"{todo('このページで伝えたいこと')}\n\n<!-- chart: 1 -->\n\n{todo('グラフから分かること')}\n",
        files={f"content/{csv_name}": sample},
    )


def edition_draft(title: str, slug: str, now: dt.datetime) -> Draft:
    return Draft(
        {"title": title, "date": minute(now), "draft": True},
        notes={"date": todo("送る日時（例：2020-07-15T10:00）。その時に公開されているものが載ります")},
        optional=[
            "subject: メールの件名（書かなければ「【サイト名】」と title）",
            "summary: メールの最初の1行（受信箱で件名の横に見えます）",
        ],
        body=todo("編集からのひとこと（メールの初めに載ります）") + "\n",
    )


DRAFTS = {
    "case": case_draft,
    "event": event_draft,
    "news": news_draft,
    "issue": issue_draft,
    "newsletter": edition_draft,
}
