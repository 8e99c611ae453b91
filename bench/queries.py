"""The search benchmark's queries, and which item pages each should find, read from the generated items.

:data:`QUERIES` are what readers type, each with its kind (the first 13 are the queries
of the earlier benchmark). :func:`relevant` decides which item pages (cases, events,
news) each query should find from the items ``generate.generate_items`` made, without
building or indexing anything, so that nothing of the search index's code, nor of the
page templates, decides what counts as found.

An item is *relevant* to a query when the query after NFKC occurs in one of the item's
texts after NFKC (a query with spaces: each of its words, in any of them). A word must
lie within one text, never across two. The texts are what its page shows:

* its title and summary;
* each line of its body, Markdown taken out (the generator writes one heading,
  paragraph or list item per line): ``[text](url)`` and ``![text](src)`` become
  ``text``; heading marks (``##``), quote marks (``>``) and list markers (``-``, ``*``,
  ``+``, ``1.``) at the start of a line go; ``**``, ``*`` and backticks around text go
  (``_`` is left alone: Python-Markdown does not read it as emphasis inside words);
* its facts as the page words them, in Japanese from the project's own labels
  (``site_builder.content.labels``, ``site_builder.content.wards``): the wards
  (``AREA_NAMES``: 鶴見区, 市内全域), each partner's name and the kind of partner
  (``PARTNER_TYPES``), a case's status (``CASE_STATUS``: 実施中), an event's status
  when it is not the usual one (``EVENT_STATUS``: 中止, 延期, オンライン開催に変更; the
  page shows no 開催予定), its series (``SERIES``: トライアルスタジオ), venue and fee, the
  tags, and the SDGs goals as a case page lists them (``SDGs``, ``目標11
  住み続けられるまちづくりを``).

Dates and the labels of the facts (状況, 会場, タグ…) are not among them.
"""

from __future__ import annotations

import re
import unicodedata

import generate

from site_builder.content.labels import CASE_STATUS, EVENT_STATUS, PARTNER_TYPES, SDGS, SERIES
from site_builder.content.wards import AREA_NAMES

# (kind, query). The first 13 are the queries of the earlier benchmark.
QUERIES = [
    ("kanji compound", "子ども食堂"),
    ("kanji compound", "防災マップ"),
    ("kanji compound", "多文化共生"),
    ("kanji compound", "空き家"),
    ("katakana", "フードバンク"),
    ("kanji compound", "商店街"),
    ("katakana", "プログラミング"),
    ("kanji compound", "認知症"),
    ("kanji compound", "見守り"),
    ("kanji compound", "里山"),
    ("hiragana", "やさしい日本語"),
    ("kanji compound", "乗合タクシー"),
    ("kanji compound", "避難所"),
    ("kanji compound", "福祉"),
    ("kanji compound", "大学生"),
    ("kanji compound", "移動支援"),
    ("kanji compound", "学習支援"),
    ("kanji compound", "地域猫"),
    ("kanji compound", "谷戸田"),
    ("kanji compound", "個別相談"),
    ("kanji compound", "二酸化炭素"),
    ("kanji compound", "要援護者名簿"),
    ("katakana", "リノベーション"),
    ("katakana", "ワークショップ"),
    ("katakana", "マルシェ"),
    ("katakana", "チャレンジショップ"),
    ("katakana", "プレーパーク"),
    ("katakana", "コーディネーター"),
    ("katakana", "キャッシュレス"),
    ("katakana", "リサイクル"),
    ("katakana", "コミュニティカフェ"),
    ("hiragana", "ささえあい"),
    ("hiragana", "つながり"),
    ("hiragana", "ひだまり"),
    ("hiragana", "ひきこもり"),
    ("hiragana", "まちづくり"),
    ("hiragana", "おすそわけ"),
    ("hiragana", "ふれあい"),
    ("hiragana", "いきいき"),
    ("mixed script", "NPO法人"),
    ("mixed script", "SDGs"),
    ("mixed script", "3R"),
    ("mixed script", "IT"),
    ("mixed script", "PTA"),
    ("mixed script", "Wi-Fi"),
    ("mixed script", "LINE公式アカウント"),
    ("mixed script", "スペースA・B"),
    ("mixed script", "目標11"),
    ("ward", "鶴見区"),
    ("ward", "鶴見"),
    ("ward", "保土ケ谷区"),
    ("ward", "保土ケ谷"),
    ("ward", "金沢区"),
    ("ward", "金沢"),
    ("ward", "港北区"),
    ("ward", "港北"),
    ("ward", "中区"),
    ("ward", "青葉"),
    ("ward", "市内全域"),
    ("series", "トライアルスタジオ"),
    ("series", "みらいリンクフォーラム"),
    ("series", "オープンダイアログ"),
    ("series", "パブリックアクション"),
    ("partner", "地区社会福祉協議会"),
    ("partner", "地域連携センター"),
    ("partner", "自治会"),
    ("partner", "町内会"),
    ("partner", "地域振興課"),
    ("partner", "よこはまつながりの会"),
    ("partner", "株式会社"),
    ("partner", "たまプラーザ"),
    ("partner", "市民活動支援センター"),
    ("status", "中止"),
    ("status", "延期"),
    ("status", "オンライン開催に変更"),
    ("status", "実施中"),
    ("status", "検討中"),
    ("status", "完了"),
    ("width variant", "ＮＰＯ法人"),
    ("width variant", "ｺﾐｭﾆﾃｨ"),
    ("width variant", "ｺﾐｭﾆﾃｨﾊｳｽ"),
    ("width variant", "ＳＤＧｓ"),
    ("width variant", "３Ｒ"),
    ("width variant", "ﾌｰﾄﾞﾊﾞﾝｸ"),
    ("width variant", "ﾜｰｸｼｮｯﾌﾟ"),
    ("width variant", "３か月"),
    ("two words", "子ども食堂 学習支援"),
    ("two words", "子ども食堂 運営"),
    ("two words", "防災 訓練"),
    ("two words", "空き家 相談会"),
    ("two words", "認知症 カフェ"),
    ("two words", "商店街 マルシェ"),
    ("two words", "鶴見区 防災"),
    ("two words", "NPO法人 空き家"),
]
KINDS = list(dict.fromkeys(kind for kind, _ in QUERIES))

LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
BLOCK_MARKS = re.compile(r"^(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+")
CLOSING_HASHES = re.compile(r"\s+#+\s*$")
EMPHASIS = re.compile(r"(\*\*|\*|`)(.+?)\1")


def body_lines(body: str) -> list[str]:
    """The text of each line of a Markdown body, as its page shows it (the module's docstring)."""
    lines = []
    for line in body.splitlines():
        text = BLOCK_MARKS.sub("", line.strip())
        if line.lstrip().startswith("#"):
            text = CLOSING_HASHES.sub("", text)
        text = EMPHASIS.sub(r"\2", LINK.sub(r"\1", text))
        if text:
            lines.append(text)
    return lines


def facts(item: generate.Item) -> list[str]:
    """The item's facts as its page words them (the module's docstring)."""
    front = item.front
    texts = [AREA_NAMES[ward] for ward in front.get("wards", [])]
    for partner in front.get("partners", []):
        texts += [partner["name"], PARTNER_TYPES[partner["type"]]]
    if item.kind == "case":
        texts.append(CASE_STATUS[front["status"]])
    elif front.get("status", "scheduled") != "scheduled":
        texts.append(EVENT_STATUS[front["status"]])
    if "series" in front:
        texts.append(SERIES.get(front["series"], front["series"]))
    texts += [front[key] for key in ("venue", "fee") if key in front]
    texts += front.get("tags", [])
    if front.get("sdgs"):
        texts += ["SDGs", *(f"目標{goal} {SDGS[goal]}" for goal in front["sdgs"])]
    return texts


def shown_texts(item: generate.Item) -> list[str]:
    """Every text of ``item``'s page that a query may match, each in NFKC."""
    texts = [item.title, item.front["summary"], *body_lines(item.body), *facts(item)]
    return [unicodedata.normalize("NFKC", text) for text in texts]


def relevant(items: list[generate.Item], queries: list[str]) -> dict[str, set[str]]:
    """``{query: the URLs of the items relevant to it}``."""
    texts = {item.url: shown_texts(item) for item in items}
    wanted = {}
    for query in queries:
        words = unicodedata.normalize("NFKC", query).split()
        wanted[query] = {
            url for url, shown in texts.items() if all(any(word in text for text in shown) for word in words)
        }
    return wanted
