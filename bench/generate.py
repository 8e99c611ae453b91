"""Write a benchmark project: N Japanese cases, events and news, valid per the contract.

    python bench/generate.py OUT --items 1000 [--seed 7] [--baseline DIR] [--hugo DIR]

The project gets this repository's ``mkdocs.yml``, ``theme/`` and ordinary pages
(``content/*.md``, ``content/centers/``), and N items split about 40 % cases,
35 % events, 25 % news, every one public at ``NOW`` (pass ``--now`` to the build).
About one event in eight is still upcoming at ``NOW``. Bodies are a few paragraphs
with headings and lists, built from phrase banks by a seeded generator, so the
same N and seed always give the same files. A few items link to each other with
relative ``.md`` links, as editors do.

``write_baseline`` writes the same bodies as a plain MkDocs project (one page per
item, its title as ``# h1``) with Material, ``navigation.prune``, search with
``lang: ja`` and a one-entry nav: the baseline ``bench/run.py`` times.
``--hugo`` also writes them as a minimal Hugo project (``bench/hugo_site.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import posixpath
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from site_builder.content.wards import WARDS

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-12-01T12:00"
_NOW = dt.datetime(2026, 12, 1, 12, 0)
_FIRST = dt.datetime(2020, 7, 1, 9, 0)

TOWNS = [
    "本町",
    "宮前",
    "山手",
    "大倉山",
    "日吉",
    "上大岡",
    "二俣川",
    "洋光台",
    "金沢文庫",
    "十日市場",
    "たまプラーザ",
    "センター南",
    "東戸塚",
    "本郷台",
    "いずみ野",
    "三ツ境",
    "弘明寺",
    "天王町",
]

# Themes: (name, the issue, SDGs, tags, activities). Theme words are what the
# recall queries in bench/recall.py look for.
THEMES = [
    (
        "子ども食堂",
        "子どもが一人で夕食をとる「孤食」",
        [1, 2, 4],
        ["子育て", "食"],
        ["月2回の子ども食堂の開催", "大学生ボランティアによる学習支援", "食材の寄付の受付と配分"],
    ),
    (
        "防災",
        "災害時に支援が必要な人の把握が進まないこと",
        [11, 13],
        ["防災", "地域"],
        ["避難所運営訓練の実施", "防災マップの作成", "要援護者名簿の整備"],
    ),
    (
        "多文化共生",
        "外国につながる住民が地域の情報を得にくいこと",
        [4, 10, 16],
        ["多文化共生", "国際"],
        ["やさしい日本語の講座", "多言語の生活ガイドの作成", "外国人住民との交流会"],
    ),
    (
        "高齢者の見守り",
        "一人暮らしの高齢者の孤立",
        [3, 11],
        ["福祉", "高齢者"],
        ["新聞販売店と連携した見守り", "地域の茶話会", "配食サービスでの声かけ"],
    ),
    (
        "空き家活用",
        "空き家の増加と地域の担い手不足",
        [11, 12],
        ["まちづくり", "住まい"],
        ["空き家の地域拠点への改修", "所有者向けの相談会", "学生によるリノベーション"],
    ),
    (
        "フードドライブ",
        "家庭で余った食品の廃棄",
        [2, 12],
        ["食", "環境"],
        ["区役所と店舗での食品回収", "フードバンクへの寄付", "回収量の見える化"],
    ),
    (
        "商店街の活性化",
        "空き店舗の増加とにぎわいの低下",
        [8, 11],
        ["商店街", "まちづくり"],
        ["空き店舗を使ったチャレンジショップ", "商店街マルシェの開催", "キャッシュレス決済の導入支援"],
    ),
    (
        "里山保全",
        "手入れされない雑木林と谷戸田",
        [13, 15],
        ["環境", "自然"],
        ["下草刈りと間伐の活動日", "生きもの調査", "子ども向けの自然観察会"],
    ),
    (
        "プログラミング教室",
        "デジタル技術を学ぶ機会の地域差",
        [4, 9],
        ["教育", "IT"],
        ["小学生向けのプログラミング教室", "企業エンジニアによるメンター", "地域の課題を題材にしたアプリ作り"],
    ),
    (
        "障害者の就労支援",
        "障害のある人が地域で働く場の不足",
        [8, 10],
        ["福祉", "しごと"],
        ["カフェでの就労体験", "企業と福祉事業所のマッチング", "自主製品の販路開拓"],
    ),
    (
        "子育て支援",
        "子育て中の親の孤立と情報不足",
        [3, 5],
        ["子育て"],
        ["親子の居場所づくり", "子育て情報誌の発行", "先輩ママ・パパによる相談会"],
    ),
    (
        "脱炭素",
        "家庭と事業所の二酸化炭素排出",
        [7, 13],
        ["環境", "エネルギー"],
        ["省エネ診断の実施", "太陽光パネルの共同購入", "環境学習の出前授業"],
    ),
    (
        "移動支援",
        "坂の多い住宅地での買い物や通院の不便",
        [3, 11],
        ["交通", "高齢者"],
        ["ボランティアによる送迎", "乗合タクシーの実証実験", "移動販売車の巡回"],
    ),
    (
        "認知症カフェ",
        "認知症の人と家族の孤立",
        [3, 10],
        ["福祉", "医療"],
        ["月1回の認知症カフェ", "介護者どうしの交流", "専門職による相談"],
    ),
    (
        "外国につながる子どもの学習支援",
        "日本語が母語でない子どもの学習の遅れ",
        [4, 10],
        ["教育", "多文化共生"],
        ["放課後の日本語教室", "高校進学ガイダンス", "保護者向けの通訳支援"],
    ),
    (
        "ひきこもり支援",
        "若者と中高年のひきこもり",
        [3, 8],
        ["福祉", "若者"],
        ["居場所カフェの運営", "家族会の開催", "地域の仕事体験"],
    ),
    (
        "公園の愛護活動",
        "公園の利用者の減少と管理の担い手不足",
        [11, 15],
        ["公園", "地域"],
        ["花壇づくりと清掃", "プレーパークの開催", "公園のルールづくりワークショップ"],
    ),
    (
        "地域猫",
        "飼い主のいない猫をめぐる住民間のトラブル",
        [11, 15],
        ["動物", "地域"],
        ["不妊去勢手術の支援", "餌やりルールの周知", "譲渡会の開催"],
    ),
]
PARTNER_KINDS = [
    ("npo", "NPO法人 {town}{word}ネット", None),
    ("npo", "NPO法人 よこはま{word}の会", "https://example.org/npo/{n}"),
    ("community", "{town}自治会", None),
    ("community", "{town}町内会", None),
    ("company", "株式会社{town}{word}", "https://example.com/{n}"),
    ("company", "{word}サービス株式会社", None),
    ("university", "{town}大学 地域連携センター", "https://example.ac.jp/{n}"),
    ("government", "{ward}役所 地域振興課", None),
    ("other", "{town}地区社会福祉協議会", None),
]
PARTNER_WORDS = [
    "ささえあい",
    "つながり",
    "みどり",
    "あおぞら",
    "ひだまり",
    "かもめ",
    "こもれび",
    "みなと",
    "あゆみ",
    "はなみずき",
]
SERIES = [
    ("mirai-link", "みらいリンクフォーラム"),
    ("open-dialogue", "オープンダイアログ"),
    ("trial-studio", "トライアルスタジオ"),
    ("public-action", "パブリックアクション"),
    (None, "講座"),
]
VENUES = [
    "横浜市市民協働推進センター スペースA・B",
    "{ward}市民活動支援センター 会議室",
    "{town}地区センター 多目的室",
    "{town}コミュニティハウス",
    "横浜市役所 アトリウム",
]
NEWS_TOPICS = [
    ("{theme}の事例を公開しました", "{ward}の{theme}の取組を協働事例として掲載しました。"),
    ("{theme}に関する相談窓口のご案内", "{theme}に取り組む団体からの相談を受け付けています。"),
    ("{ward}で{theme}の報告会を行いました", "{ward}で開いた{theme}の報告会の様子をお伝えします。"),
    ("協働ラボの利用案内（{month}月）", "{month}月の協働ラボとスペースA・Bの利用案内です。"),
    ("{theme}の活動助成の募集", "{theme}に取り組む市民活動団体への助成を募集します。"),
]
SENTENCES = [
    "{ward}では、{issue}が長く地域の課題となっていました。",
    "町内会の役員会で話題になったことをきっかけに、{partner}がセンターに相談しました。",
    "センターのコーディネーターが{partner2}を紹介し、話し合いの場を設けました。",
    "最初の3か月は、お互いの強みと悩みを出し合う対話を重ねました。",
    "参加者からは「顔の見える関係ができた」「次は自分も手伝いたい」という声が寄せられました。",
    "活動には延べ{count}人が参加し、地域の新しいつながりが生まれています。",
    "行政だけでも民間だけでも難しかった取組が、協働によって形になりました。",
    "小さな試行を積み重ね、うまくいかなかった点も次の計画に生かしています。",
    "{town}の住民の多くが、取組を通じて{theme}に関心を持つようになりました。",
    "運営の負担が一部の人に偏らないよう、役割分担を見直しました。",
]
# A last paragraph that about two bodies in five get: words readers search for that the
# banks above lack (hiragana words; Latin letters and digits among Japanese), some in
# Markdown emphasis, and spellings editors paste from elsewhere (full-width letters and
# digits, half-width katakana), which the search must match after NFKC.
TOPICS = [
    "ごみを減らす**3R**（リデュース・リユース・リサイクル）の呼びかけも続けています。",
    "**SDGs**の考え方を取り入れ、活動の目標を見直しました。",
    "お知らせはLINE公式アカウントでも配信しています。",
    "活動拠点では、だれでもフリーWi-Fiを使えるようにしました。",
    "育てた野菜を「おすそわけ」し合う関係が、少しずつ広がっています。",
    "季節ごとに*ふれあい*の場を設け、顔なじみを増やしています。",
    "参加した人がいきいきと過ごせるよう、ゆっくり話せる時間を大切にしました。",
    "PTAや学校とも連携し、保護者にも参加を呼びかけました。",
    "ＮＰＯ法人の立ち上げを考える人向けに、１回３０分の個別相談も行いました。",
    "以前の案内（ｺﾐｭﾆﾃｨｶﾌｪのお知らせ）もあわせてご覧ください。",
]
TOPIC_SHARE = 0.4


@dataclass
class Item:
    kind: str  # case | event | news
    slug: str
    path: str  # relative to the project root
    title: str
    front: dict
    body: str

    @property
    def url(self) -> str:
        return {"case": "/cases/", "event": "/events/", "news": "/news/"}[self.kind] + self.slug + "/"

    @property
    def baseline_path(self) -> str:
        return {"case": "cases/", "event": "events/", "news": "news/"}[self.kind] + self.slug + ".md"


def _fill(text: str, **values: object) -> str:
    return text.format(**values)


def _sentences(rng: random.Random, count: int, values: dict) -> str:
    return "".join(_fill(s, **values) for s in rng.sample(SENTENCES, count))


def _partners(rng: random.Random, ward: str, n: int) -> list[dict]:
    partners = []
    for kind, pattern, url in rng.sample(PARTNER_KINDS, rng.randint(2, 4)):
        values = dict(town=rng.choice(TOWNS), word=rng.choice(PARTNER_WORDS), ward=WARDS[ward], n=n)
        partner = {"name": _fill(pattern, **values), "type": kind}
        if url:
            partner["url"] = _fill(url, **values)
        partners.append(partner)
    return partners


def _date(rng: random.Random, index: int, total: int) -> dt.datetime:
    """Publish times spread from 2020-07 to just before NOW, in index order."""
    span = (_NOW - dt.timedelta(days=2) - _FIRST).total_seconds()
    base = _FIRST + dt.timedelta(seconds=span * index / max(total, 1))
    return base.replace(minute=rng.choice([0, 15, 30, 45]), second=0)


def _link(rng: random.Random, others: list[tuple[str, str]], own_folder: str) -> str:
    if not others or rng.random() > 0.3:
        return ""
    folder, slug = rng.choice(others)
    prefix = "" if folder == own_folder else f"{posixpath.relpath(folder, own_folder)}/"
    return f"\n\n関連する取組は[こちらのページ]({prefix}{slug}.md)でも紹介しています。"


def make_case(rng: random.Random, n: int, when: dt.datetime, others: list) -> Item:
    theme, issue, sdgs, tags, activities = rng.choice(THEMES)
    ward = rng.choice(list(WARDS))
    town = rng.choice(TOWNS)
    partners = _partners(rng, ward, n)
    values = dict(
        ward=WARDS[ward],
        town=town,
        theme=theme,
        issue=issue,
        partner=partners[0]["name"],
        partner2=partners[1]["name"],
        count=rng.randint(30, 900),
    )
    title = rng.choice(["{ward}{town}の{theme}", "{theme}でつながる{town}のまち", "{partner}と進める{theme}"])
    wards = [ward] if rng.random() < 0.85 else rng.choice([[ward, rng.choice(list(WARDS))], ["citywide"]])
    front = {
        "title": _fill(title, **values)[:100],
        "date": when.strftime("%Y-%m-%dT%H:%M"),
        "summary": _fill("{ward}で{theme}に取り組む、{partner}と{partner2}の協働事例です。", **values),
        "partners": partners,
        "wards": sorted(set(wards), key=wards.index),
        "sdgs": sorted(set(sdgs + rng.sample(range(1, 18), rng.randint(0, 2)))),
        "status": rng.choice(["proposal", "planning", "ongoing", "ongoing", "completed", "completed"]),
        "tags": tags,
    }
    if rng.random() < 0.7:
        front["started"] = (when - dt.timedelta(days=rng.randint(30, 700))).date().isoformat()
    items = "\n".join(f"- {a}" for a in rng.sample(activities, len(activities)))
    body = (
        f"## 背景\n\n{_sentences(rng, 3, values)}\n\n"
        f"## 取組内容\n\n{_fill('{theme}の取組として、次のことを行いました。', **values)}\n\n{items}\n\n"
        f"## 成果\n\n{_sentences(rng, 3, values)}\n\n"
        f"## 今後\n\n{_fill('今後は{ward}の他の地域にも{theme}の輪を広げていく予定です。', **values)}"
        f"{_sentences(rng, 1, values)}{_link(rng, others, 'cases')}\n"
    )
    return Item("case", f"case-{n:05d}", f"cases/case-{n:05d}.md", front["title"], front, body)


def make_event(rng: random.Random, n: int, when: dt.datetime, others: list, upcoming: bool) -> Item:
    theme, issue, _, tags, activities = rng.choice(THEMES)
    ward = rng.choice(list(WARDS))
    town = rng.choice(TOWNS)
    series, series_name = rng.choice(SERIES)
    if upcoming:
        start = _NOW + dt.timedelta(days=rng.randint(3, 120))
    else:
        start = when + dt.timedelta(days=rng.randint(7, 40))
        start = min(start, _NOW - dt.timedelta(days=1))
    start = start.replace(hour=rng.choice([10, 13, 14, 18]), minute=rng.choice([0, 30]))
    values = dict(
        ward=WARDS[ward],
        town=town,
        theme=theme,
        issue=issue,
        partner=f"{town}の団体",
        partner2="センター",
        count=rng.randint(10, 60),
        series=series_name,
    )
    front = {
        "title": _fill("{series}「{theme}」を考える", **values) + f"（第{n}回）",
        "date": when.strftime("%Y-%m-%dT%H:%M"),
        "summary": _fill("{theme}をテーマに、{ward}の実践者と語り合います。", **values),
        "start": start.strftime("%Y-%m-%dT%H:%M"),
    }
    if rng.random() < 0.9:
        front["end"] = (start + dt.timedelta(hours=rng.choice([1, 2, 3]))).strftime("%Y-%m-%dT%H:%M")
    if rng.random() < 0.8:
        front["venue"] = _fill(rng.choice(VENUES), **values)
    if "venue" not in front or rng.random() < 0.3:
        front["online"] = True if rng.random() < 0.5 else f"https://meet.example.org/{n}"
    front["capacity"] = rng.choice([20, 30, 50, 100])
    front["fee"] = rng.choice(["無料", "500円", "資料代300円"])
    if series:
        front["series"] = series
    if rng.random() < 0.05:
        front["status"] = rng.choice(["cancelled", "postponed", "moved-online"])
    front["tags"] = tags
    program = "\n".join(
        f"{i}. {a}" for i, a in enumerate(["開会とあいさつ", *rng.sample(activities, 2), "参加者どうしの対話"], 1)
    )
    body = (
        f"{_fill('{issue}をテーマに、{theme}の実践者をお招きします。', **values)}{_sentences(rng, 2, values)}\n\n"
        f"## プログラム\n\n{program}\n\n"
        f"## 参加方法\n\n- 対象：{WARDS[ward]}をはじめ市内で活動する方、関心のある方\n"
        f"- 定員：{front['capacity']}人（先着順）\n"
        f"- 参加費：{front['fee']}\n\n申込はセンターの窓口または電話でも受け付けます。{_link(rng, others, 'events')}\n"
    )
    return Item("event", f"event-{n:05d}", f"events/event-{n:05d}.md", front["title"], front, body)


def make_news(rng: random.Random, n: int, when: dt.datetime, others: list) -> Item:
    theme, issue, _, _tags, activities = rng.choice(THEMES)
    ward = rng.choice(list(WARDS))
    values = dict(
        ward=WARDS[ward],
        town=rng.choice(TOWNS),
        theme=theme,
        issue=issue,
        partner="市民活動団体",
        partner2="センター",
        count=rng.randint(10, 300),
        month=when.month,
    )
    title, lead = rng.choice(NEWS_TOPICS)
    front = {"title": _fill(title, **values), "date": when.strftime("%Y-%m-%dT%H:%M"), "summary": _fill(lead, **values)}
    points = "\n".join(f"- {a}" for a in activities)
    body = (
        f"{_fill(lead, **values)}{_sentences(rng, 2, values)}\n\n"
        f"## 主な内容\n\n{points}\n\n"
        "## お問い合わせ\n\n横浜市市民協働推進センター（電話 045-000-0000、9時〜21時）"
        f"{_link(rng, others, 'content/news')}\n"
    )
    return Item("news", f"news-{n:05d}", f"content/news/news-{n:05d}.md", front["title"], front, body)


def with_topic(item: Item, rng: random.Random) -> Item:
    """``item``, its body ending in a paragraph of :data:`TOPICS` for about two items in five."""
    if rng.random() >= TOPIC_SHARE:
        return item
    return dataclasses.replace(item, body=f"{item.body}\n{rng.choice(TOPICS)}\n")


def generate_items(count: int, seed: int = 7) -> list[Item]:
    """``count`` items in publish order; the same arguments give the same items."""
    rng = random.Random(seed)
    # Topics draw from a stream of their own: every other draw stays what it was before them.
    topics = random.Random(f"{seed}-topics")
    kinds = ["case"] * 8 + ["event"] * 7 + ["news"] * 5
    items: list[Item] = []
    for index in range(count):
        kind = kinds[(index * 7) % 20]
        when = _date(rng, index, count)
        others = [(posixpath.dirname(i.path), i.slug) for i in items[-200:]]
        if kind == "case":
            item = make_case(rng, index + 1, when, others)
        elif kind == "event":
            item = make_event(rng, index + 1, when, others, upcoming=rng.random() < 0.125)
        else:
            item = make_news(rng, index + 1, when, others)
        items.append(with_topic(item, topics))
    return items


def file_text(item: Item) -> str:
    front = yaml.safe_dump(item.front, allow_unicode=True, sort_keys=False, width=10**9)
    return f"---\n{front}---\n\n{item.body}"


def write_project(target: Path, items: list[Item]) -> None:
    """A site-builder project: the repository's config, theme and pages plus ``items``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "theme", target / "theme")
    for folder in ("cases", "events", "content/news"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    pages = [
        p
        for p in sorted((REPO / "content").rglob("*"))
        if p.is_file() and p.relative_to(REPO / "content").parts[0] not in ("news", "issues", "newsletter")
    ]
    for page in pages:
        destination = target / "content" / page.relative_to(REPO / "content")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, destination)
    for item in items:
        (target / item.path).write_text(file_text(item), encoding="utf-8")


def baseline_config(nav: str = "one") -> dict:
    """Plain MkDocs + Material with ``navigation.prune`` and Japanese search.

    ``nav="one"``: a one-entry nav (the cheapest MkDocs gets: no page lists the
    others); ``nav="all"``: no ``nav`` key, so MkDocs puts every page in the
    navigation and Material prunes what it renders (the issue's "pruned nav").
    """
    repo = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config = {
        "site_name": repo["site_name"],
        "site_url": repo["site_url"],
        "theme": {"name": "material", "language": "ja", "features": ["navigation.prune"]},
        "markdown_extensions": repo["markdown_extensions"],
        "plugins": [{"search": {"lang": "ja"}}],
    }
    if nav == "one":
        config["nav"] = [{"ホーム": "index.md"}]
    return config


def write_baseline(target: Path, items: list[Item], nav: str = "one") -> None:
    """The same bodies as a plain MkDocs project: one page per item, title as h1."""
    if target.exists():
        shutil.rmtree(target)
    docs = target / "docs"
    docs.mkdir(parents=True)
    (target / "mkdocs.yml").write_text(
        yaml.safe_dump(baseline_config(nav), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (docs / "index.md").write_text("# ホーム\n\n協働事例・イベント・お知らせ。\n", encoding="utf-8")
    for item in items:
        path = docs / item.baseline_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {item.title}\n\n{item.front['summary']}\n\n{baseline_links(item.body)}", encoding="utf-8")


def baseline_links(body: str) -> str:
    """The links of :func:`_link` for the baseline's folders (``docs/news/`` beside ``docs/cases/``)."""
    return body.replace("](../content/news/", "](../news/").replace("](../../", "](../")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="also write the plain MkDocs baseline here")
    parser.add_argument("--hugo", type=Path, help="also write the Hugo project of the same items here")
    args = parser.parse_args(argv)
    items = generate_items(args.items, args.seed)
    write_project(args.target, items)
    written = [args.target]
    if args.baseline:
        write_baseline(args.baseline, items)
        written.append(args.baseline)
    if args.hugo:
        import hugo_site  # here, not at the top: it imports this module

        hugo_site.write_hugo(args.hugo, items)
        written.append(args.hugo)
    print(f"wrote {len(items)} items to {', '.join(map(str, written))}")


if __name__ == "__main__":
    main()
