"""A scratch project for the feed, calendar and API tests: the sample site plus items
that exercise each channel rule (a title with ``< & "``, active HTML in a body, an
all-day event over two days, a UTC offset, an ``updated`` event, a long Japanese
title, an issue page, and more draft/future items carrying the leak markers).

It is built once per test session (real engine, real Pagefind) at ``NOW``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder import pipeline
from site_builder.content import dates
from tests.conftest import PROJECT, SAMPLE_SITE, new_project, write_files

NOW = "2020-07-20T12:00"
SITE = "https://www.yokohama-kyodo.example/"
LEAK_MARKERS = (
    "DRAFT-SECRET",
    "FUTURE-SECRET",
    "draft-event",
    "future-event",
    "draft-case",
    "future-case",
    "future-news",
    "bosai-citywide",
)
TRICKY_TITLE = '対話会 <第2回> & "協働" の未来 <b>太字ではない</b>'
LONG_TITLE = "横浜市市民協働推進センター主催・地域の居場所づくりと多文化共生を考える連続講座の第一回目です"

FAIR_SUMMARY = (
    "二日間にわたって開催する終日のイベントです。どなたでも自由にご参加いただけます。会場は協働ラボとスペースA・Bです。"
)

EXTRA_FILES: dict[str, str | bytes] = {
    "events/channel-test.md": f"""
        ---
        title: '{TRICKY_TITLE}'
        date: 2020-07-10T09:00
        updated: 2020-07-18T09:30
        summary: 'A & B <i>斜体ではない</i> "引用"'
        start: 2020-08-20T01:00:00Z
        end: 2020-08-20T03:00:00Z
        venue: 協働ラボ
        address: 横浜市中区本町6-50-10
        registration: https://example.org/form/ct
        series: open-dialogue
        image: images/map.png
        image_alt: 会場の地図
        tags: [対話]
        ---
        関連する[事例](../cases/kodomo-shokudo.md)と[お知らせ一覧](/news/)。

        ![会場の地図](images/map.png)

        <script>alert("feed-xss")</script>
        <iframe src="https://evil.example/frame"></iframe>
        <p onclick="steal()" style="color:red">クリック</p>
        <a href="javascript:alert(1)">js</a>
        """,
    "events/images/map.png": (PROJECT / "theme" / "assets" / "ogp.png").read_bytes(),
    "events/all-day-fair.md": f"""
        ---
        title: '{LONG_TITLE}'
        date: 2020-07-05
        summary: {FAIR_SUMMARY}
        start: 2020-08-22
        end: 2020-08-23
        venue: 協働ラボ
        ---
        二日間の終日イベントです。
        """,
    "events/draft-event.md": """
        ---
        title: 下書きイベント DRAFT-SECRET
        date: 2020-07-01
        draft: true
        summary: DRAFT-SECRET
        start: 2020-08-01T10:00
        venue: どこか
        ---
        DRAFT-SECRET
        """,
    "events/future-event.md": """
        ---
        title: 予約イベント FUTURE-SECRET
        date: 2020-08-01T09:00
        summary: FUTURE-SECRET
        start: 2020-09-01T10:00
        online: true
        ---
        FUTURE-SECRET
        """,
    "content/news/with-links.md": """
        ---
        title: リンクのあるお知らせ
        date: 2020-07-19T00:30:00Z
        summary: 相対リンクを含むお知らせです。
        ---
        [センターについて](../about.md)と[イベント](/events/)、[トップ](#top)。
        """,
    "content/issues/population.md": """
        ---
        title: 区別の人口
        date: 2020-07-02
        summary: 区ごとの人口を知る。
        datasets:
          - id: pop
            file: data/population.csv
            source: 横浜市統計
            source_url: https://www.city.yokohama.lg.jp/
            license: CC BY 4.0
            retrieved: 2020-07-01
        charts:
          - dataset: pop
            type: bar
            x: 区
            y: 人口総数[人]
            title: 区別人口
        ---
        人口の違いを見てみましょう。
        """,
    "content/data/population.csv": '区,人口総数[人]\n中区,"151,000"\n西区,"104,000"\n',
}

# Public at NOW, by type (the sample site's own public items plus the extras above).
PUBLIC = {
    "case": ["/cases/kodomo-shokudo/"],
    "event": [
        "/events/channel-test/",
        "/events/all-day-fair/",
        "/events/trial-studio-cancelled/",
        "/events/open-dialogue/",
        "/events/mirai-link/",
        "/events/lab-open-day/",
    ],
    "news": ["/news/with-links/", "/news/site-open/"],
    "issue": ["/issues/population/"],
}


def make_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    new_project(root, own_content=True)
    for folder in ("cases", "events", "content"):
        shutil.rmtree(root / folder)
        shutil.copytree(SAMPLE_SITE / folder, root / folder)
    return write_files(root, EXTRA_FILES)


_BUILT: dict[str, Path] = {}


def built_site(tmp_path_factory) -> Path:
    """The scratch project built at NOW (once per session)."""
    if "site" not in _BUILT:
        work = tmp_path_factory.mktemp("channels")
        project = make_project(work / "project")
        pipeline.build_site(project, work / "site", dates.as_instant(dates.parse_time(NOW)))
        _BUILT["site"] = work / "site"
    return _BUILT["site"]


def text_outputs(site: Path, suffixes=(".xml", ".json", ".ics", ".html")) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.suffix in suffixes
    }
