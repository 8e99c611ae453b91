"""``site-builder new``: start a valid content file from a title."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from site_builder.commands.options import add_now, now_of
from site_builder.content import dates
from site_builder.content.frontmatter import ContentFileError, read_source
from site_builder.content.kinds import CASE, EVENT, NEWS
from site_builder.content.models import SLUG_PATTERN

# The kinds `new` can start a file of, by the name on the command line.
FOLDERS = {kind.name: kind.folder for kind in (CASE, EVENT, NEWS)}


class ScaffoldError(Exception):
    pass


def register(commands) -> None:
    new = commands.add_parser("new", help="write a new, valid content file (as a draft)")
    new.add_argument("kind", choices=sorted(FOLDERS))
    new.add_argument("title")
    new.add_argument("--slug", required=True, help="URL segment: a-z, 0-9 and -")
    add_now(new, "the new file's publish time")
    new.set_defaults(run=run_new)


def run_new(args) -> int:
    path = new_file(args.root, args.kind, args.title, args.slug, now_of(args))
    print(f"wrote {path} (draft: set draft: false to publish)")
    return 0


def _front(fields: dict) -> str:
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=10**9)


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


def new_file(root: Path, kind: str, title: str, slug: str, now: dt.datetime) -> Path:
    if not SLUG_PATTERN.match(slug):
        raise ScaffoldError(f"unsafe --slug {slug!r}: use only a-z, 0-9 and single '-' between them")
    if not 1 <= len(title) <= 100:
        raise ScaffoldError("the title must be 1–100 characters")
    path = root / FOLDERS[kind] / f"{slug}.md"
    if path.exists():
        raise ScaffoldError(f"{path.relative_to(root).as_posix()} already exists: choose another --slug")
    taken = slug_owner(root / FOLDERS[kind], slug)
    if taken is not None:
        raise ScaffoldError(
            f"slug {slug!r} is already used by {taken.relative_to(root).as_posix()}: choose another --slug"
        )
    now = now.astimezone(dates.TOKYO)
    today = now.date().isoformat()
    # Publish time = now, so that once draft is false the next build shows it.
    fields: dict = {
        "title": title,
        "date": f"{now:%Y-%m-%dT%H:%M}",
        "summary": f"{title}の概要（一覧・SNS・メルマガに使われます）",
        "draft": True,
    }
    if kind == "case":
        fields |= {
            "partners": [{"name": "協働先の団体名", "type": "npo"}, {"name": "横浜市 〇〇局", "type": "government"}],
            "wards": ["naka"],
            "sdgs": [11, 17],
            "status": "planning",
            "started": today,
        }
        body = "## 背景\n\n\n## 取組内容\n\n\n## 成果\n\n\n## 今後\n"
    elif kind == "event":
        start = (now + dt.timedelta(days=30)).date().isoformat()
        fields |= {
            "start": f"{start}T18:30",
            "end": f"{start}T20:30",
            "venue": "横浜市市民協働推進センター スペースA・B",
            "address": "横浜市中区本町6-50-10 横浜市役所1階",
            "capacity": 25,
            "fee": "無料",
        }
        body = "## 概要\n\n\n## プログラム\n\n\n## 参加方法\n"
    else:
        body = "本文を書いてください。\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{_front(fields)}---\n\n{body}", encoding="utf-8")
    return path
