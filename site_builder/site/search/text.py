"""What the search index reads of a page, cut into words that a query is cut into alike.

Japanese puts no spaces between words. A dictionary segmenter (Pagefind's extended build
carries a 300 MB one) cuts a compound by its context, differently in a page than in a
query, so searches missed pages. Here text is cut by a rule without a dictionary, the
same for a page as for a query: after NFKC (ＮＰＯ → NPO, ｶﾞ → ガ), every run of kanji and
kana becomes its overlapping pairs of characters (子ども食堂 → 子ど ども も食 食堂; a run of
one character stays one word) and every run of other letters and digits is one word
(NPO法人 → NPO 法人). Every pair of a query is in a page that contains the query.
``theme/assets/search.js`` cuts queries by the same rule; :data:`QUERY_EXAMPLES` holds
both to the same words in tests.

A page is read as Pagefind reads one (https://pagefind.app/docs/indexing/): only the
region marked ``data-pagefind-body``, without ``data-pagefind-ignore`` parts, navigation,
scripts and forms; headings weigh more and their ids give results their sections;
``data-pagefind-meta``, ``-filter``, ``-sort`` and ``-default-meta`` are read from the
whole page. Not read: ``data-pagefind-weight``, ``data-pagefind-index-attrs`` and the
automatic image metadata (no page of this site uses them).
"""

from __future__ import annotations

import copy
import html
import re
import unicodedata
from dataclasses import dataclass, field

import regex
from lxml import etree

# Pagefind's attributes on pages.
BODY, IGNORE = "data-pagefind-body", "data-pagefind-ignore"
META, DEFAULT_META = "data-pagefind-meta", "data-pagefind-default-meta"
FILTER, SORT = "data-pagefind-filter", "data-pagefind-sort"
CARRIED = (META, DEFAULT_META, FILTER, SORT)
# What Pagefind never indexes; and what pages show but a result must not: the permalink
# mark (¶) beside each heading, the way back (↩) from each footnote.
REMOVED_TAGS = frozenset({"head", "style", "script", "noscript", "label", "form", "svg", "footer", "nav", "iframe"})
EXCLUDED_CLASSES = ("headerlink", "footnote-backref")
# Pagefind's weights: a word counts 24, a word of a heading h1…h6 counts 7…2 times that.
WORD_WEIGHT = 24
HEADING_WEIGHTS = {f"h{level}": (8 - level) * WORD_WEIGHT for level in range(1, 7)}
# Elements that end a run of text: no pairs across them, a space between them as shown.
OTHER_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "template", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
BLOCKS = frozenset(HEADING_WEIGHTS) | REMOVED_TAGS | OTHER_BLOCKS

# Kanji and kana: the characters of the scripts Han, Hiragana and Katakana (Unicode 15), and ー
# (U+30FC, in no script of its own). search.js holds the same ranges (tests compare them).
KANA_KANJI_RANGES = (
    (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x3005, 0x3005), (0x3007, 0x3007),
    (0x3021, 0x3029), (0x3038, 0x303B), (0x3041, 0x3096), (0x309D, 0x309F), (0x30A1, 0x30FA),
    (0x30FC, 0x30FF), (0x31F0, 0x31FF), (0x32D0, 0x32FE), (0x3300, 0x3357), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0xFF66, 0xFF6F), (0xFF71, 0xFF9D),
    (0x16FE2, 0x16FE3), (0x16FF0, 0x16FF6), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B128), (0x1B132, 0x1B132), (0x1B150, 0x1B152), (0x1B155, 0x1B155), (0x1B164, 0x1B168),
    (0x1F200, 0x1F200), (0x20000, 0x2A6DF), (0x2A700, 0x2B81E), (0x2B820, 0x2CEAD), (0x2CEB0, 0x2EBE0),
    (0x2EBF0, 0x2EE5D), (0x2F800, 0x2FA1D), (0x30000, 0x3134A), (0x31350, 0x33479),
)  # fmt: skip
KANA_KANJI = "".join(f"{chr(a)}-{chr(b)}" for a, b in KANA_KANJI_RANGES)
# A run of kanji and kana (cut into pairs), or a run of other letters and digits.
WORDS = re.compile(rf"([{KANA_KANJI}]+)|[^\W_{KANA_KANJI}]+")
KANA_KANJI_WORD = re.compile(rf"[{KANA_KANJI}]")
# Katakana is kept as hiragana (ボランティア and ぼらんてぃあ, コドモ and こども alike): ァ…ヶ → ぁ…ゖ, ヽヾ → ゝゞ.
# The small ヶ and ヵ as け and か (保土ヶ谷 and 保土ケ谷 alike; before a counter, ヶ is か: COUNTER_KE).
KANA_FOLD = {
    **{chr(code): chr(code - 0x60) for code in [*range(0x30A1, 0x30F5), 0x30FD, 0x30FE]},
    **dict.fromkeys("ヶゖ", "け"),
    **dict.fromkeys("ヵゕ", "か"),
}
# Before a counter, ヶ and ケ are read か, as readers write them: 6ヶ月, 6ケ月, 6か月, 6カ月 and 6ヵ月
# alike, 3ヶ所 and 3か所, 5ヶ国 and 5か国 (a place name's ヶ stays け: 保土ヶ谷, 霞ヶ丘).
COUNTER_KE = re.compile("[ヶケゖ](?=[月所国年条村])")
GRAPHEMES = regex.compile(r"\X")
SPACES = regex.compile(r"\s+")
ZERO_WIDTH_SPACE = "\u200b"  # Pagefind's excerpts split stored text at it: never inside a piece
BLOCK_TAGS = tuple(sorted(BLOCKS - REMOVED_TAGS))
SKIPPED = etree.XPath(
    " | ".join(
        [f".//{tag}" for tag in sorted(REMOVED_TAGS)]
        + [f".//*[@{IGNORE}]"]
        + [f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]" for name in EXCLUDED_CLASSES]
    )
)
# Before a page's content region: what makes the index parse it (an h1 may be the title,
# Pagefind's attributes set metadata or drop the region), the language, the title element.
NEEDED_BEFORE = re.compile(rb"<h1[\s>]|data-pagefind-", re.IGNORECASE)
LANGUAGE = re.compile(rb"<html\b[^>]*?\slang\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
# Around each heading while its text is read: the mark, its number, the mark, its text, the
# end (characters for private use, taken out of pages first).
HEADING_MARK, HEADING_END = "\ue000", "\ue001"
HEADINGS = regex.compile(r"\ue000(\d+)\ue000([^\ue001]*)\ue001")

# Queries and their words; tests cut these with search.js too.
QUERY_EXAMPLES = {
    "子ども食堂": ["子ど", "ども", "も食", "食堂"],
    "空き家": ["空き", "き家"],
    "NPO法人": ["NPO", "法人"],
    "ＮＰＯ法人": ["NPO", "法人"],
    "ｶﾞｲﾄﾞ": ["ガイ", "イド"],
    "フードバンク": ["フー", "ード", "ドバ", "バン", "ンク"],
    "SDGs 3R": ["SDGs", "3R"],
    "鶴見区、区": ["鶴見", "見区", "区"],
    "第2回": ["第", "2", "回"],
    "「やさしい日本語」": ["やさ", "さし", "しい", "い日", "日本", "本語"],
    "Café ①": ["Café", "1"],
    "保土ヶ谷区": ["保土", "土ヶ", "ヶ谷", "谷区"],
    "保土ケ谷": ["保土", "土ケ", "ケ谷"],
    "ヵ月": ["ヵ月"],
    "6ヶ月": ["6", "か月"],
    "三ケ所": ["三か", "か所"],
    "5ヶ国語": ["5", "か国", "国語"],
    "ヽ": ["ヽ"],
}


def cut_words(text: str, last: bool = True) -> tuple[list[str], list[int]]:
    """The words of ``text`` (see the module's docstring), and for each the index in
    ``text`` where the word's piece of the text as shown begins. With ``last``, as a page
    is indexed, the last character of each run of kanji and kana is a word of its own
    after the run's pairs (鶴見区 → 鶴見 見区 区), so that every character of a page begins a
    word and a query of one character (区, 町) finds each page that has it; a query needs no
    such word (its pairs are in a page in a row, the last one included)."""
    normal, source = normalize(text)
    words: list[str] = []
    starts: list[int] = []
    for match in WORDS.finditer(normal):
        start, end = match.span()
        run = match.group()
        if end - start == 1 or match.group(1) is None:
            words.append(run)
            starts.append(start)
        else:
            words += map(str.__add__, run[:-1], run[1:])
            starts += range(start, end - 1)
            if last:
                words.append(run[-1])
                starts.append(end - 1)
    if source is not None:
        starts = [source[start] for start in starts]
    return words, starts


def cut_query(text: str, phrase: bool = False) -> list[str]:
    """The words of a query, as search.js cuts them (its Python twin, for tests). A
    ``phrase`` asks for its words in a row as a page has them: each run of kanji and kana
    but the last keeps the word of its last character, and a last run of one character
    goes (a page has it as the start of a pair: the words before it say enough)."""
    if not phrase:
        return cut_words(text, last=False)[0]
    words = cut_words(text)[0]
    runs = list(WORDS.finditer(normalize(text)[0]))
    if runs and runs[-1].group(1) is not None:
        words.pop()  # the last run's last character alone, or the run of one character
    return words


def query_terms(text: str, phrase: bool = False) -> list[str]:
    """What search.js hands Pagefind for a query: kanji and kana by their key, other
    words as typed. Outside a phrase one character is asked for as the start of a word
    (区 finds 区役所 and 鶴見区), in a phrase as the word it is."""
    terms = []
    for word in cut_query(text, phrase):
        if not KANA_KANJI_WORD.match(word):
            terms.append(word)
        else:
            key = index_key(word)[0]
            terms.append(key if phrase or len(word) > 1 else key.rstrip("_"))
    return terms


def query_sequence(text: str) -> list[str]:
    """The keys of one part of a query in the order a page has them, as search.js's
    ``sequence`` asks for them in a row: the phrase's words, and a last run of one
    character as the start of a word (月 of 10月: 月 alone or 月曜)."""
    keys = query_terms(text, phrase=True)
    runs = list(WORDS.finditer(normalize(text)[0]))
    if runs and runs[-1].group(1) is not None and len(runs[-1].group()) == 1:
        keys.append(index_key(runs[-1].group())[0].rstrip("_"))
    return keys


_KEYS: dict[str, tuple[str, str | None]] = {}


def index_key(word: str) -> tuple[str, str | None]:
    """``(key, form)``: where the index keeps a word, and the form it was folded from
    (``None``: the same). Pagefind's search code cuts a Japanese query again with the
    browser's dictionary segmenter (Intl.Segmenter), which would take pairs apart: a pair
    of kanji and kana is kept, and asked for, as ``_`` and the five hex digits of each
    character, katakana as hiragana (子ど → ``_05b5003069``, ボラ → ``_0307c03089``); a lone
    character ends in another ``_`` (区 → ``_0533a_``). A query of one character asks for
    the start of a key, which finds it alone and the pairs that begin with it; no lone
    character's key is the start of a pair's, so Pagefind, which asks for the longest key
    that begins a word it cannot find, never takes a pair's first character for the pair.
    Other words as Pagefind keeps them: lower case, letters and digits,
    without diacritics, the word with them kept as its form (Café → ``cafe``, ``café``)."""
    found = _KEYS.get(word)
    if found is None:
        if len(_KEYS) > 1_000_000:
            _KEYS.clear()
        if KANA_KANJI_WORD.match(word):
            found = ("_" + "".join(f"{ord(KANA_FOLD.get(char, char)):05x}" for char in word), None)
            if len(word) == 1:  # ends in "_": never the start of a pair's key (Pagefind's fallback)
                found = (found[0] + "_", None)
        else:
            lower = "".join(char for char in word.lower() if char.isalnum())
            key = lower
            if not lower.isascii():
                decomposed = unicodedata.normalize("NFD", lower)
                key = "".join(char for char in decomposed if not unicodedata.category(char).startswith("M"))
            found = (key, lower) if key != lower else (lower, None)
        _KEYS[word] = found
    return found


def normalize(text: str) -> tuple[str, list[int] | None]:
    """``text`` in NFKC with :data:`COUNTER_KE` as か, and for each of its characters the
    index in ``text`` it comes from (``None``: the same index, taken when the length is the
    same: （） → (), not ｶﾞ → ガ). Otherwise each grapheme is normalized on its own (ｶﾞ is one
    grapheme)."""
    normal = unicodedata.normalize("NFKC", text)
    if len(normal) == len(text):
        return COUNTER_KE.sub("か", normal), None
    chars, source = [], []
    for match in GRAPHEMES.finditer(text):
        normal = unicodedata.normalize("NFKC", match.group())
        chars.append(normal)
        source += [match.start()] * len(normal)
    return COUNTER_KE.sub("か", "".join(chars)), source


@dataclass
class Block:
    """A heading (``h2``…, with its id), or the text between headings."""

    heading: str | None
    anchor: str | None
    text: str


@dataclass
class SearchPage:
    """A page as the index reads it."""

    url: str
    language: str  # ``<html lang>``, lower case; ``unknown`` without one
    words: list[str]
    weighted: dict[int, int]  # the weight of each word that weighs other than WORD_WEIGHT, by position
    shown: str  # the text as shown, one piece per word, pieces separated by U+200B
    anchors: list[dict]  # the headings with an id: element, id, text, location (their first word)
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: dict[str, str] = field(default_factory=dict)


def search_page(url: str, page: bytes) -> SearchPage | None:
    """The page at ``url`` (its HTML in UTF-8) as the index reads it, or ``None`` when it
    marks no content region (lists, the search page: Pagefind indexes only pages that mark
    one). What comes before the region is parsed only if the index needs more of it than
    its language and ``<title>``: an ``h1`` or Pagefind's attributes."""
    found = page.find(BODY.encode())
    if found < 0:
        return None
    for mark in (HEADING_MARK, HEADING_END):
        page = page.replace(mark.encode(), b"")
    start = max(page.rfind(b"<", 0, found), 0)
    before = page[:start] if not NEEDED_BEFORE.search(page, 0, start) else b""
    root = etree.fromstring(page[len(before) :], etree.HTMLParser(encoding="utf-8", remove_comments=True))
    if root is None:
        return None
    bodies = root.xpath(f"//*[@{BODY}][not(ancestor::*[@{BODY}])]")
    if not bodies:
        return None
    language = LANGUAGE.search(before) if before else None
    language = language.group(1).decode("utf-8", errors="replace") if language else root.get("lang")
    result = SearchPage(url, (language or "unknown").lower(), [], {}, "", [])
    if any(f"{name}=".encode() in page for name in CARRIED):
        read_attributes(root, result)
    if "title" not in result.meta:
        result.meta["title"] = title_of(root, before)
    page_words(result, [block for body in bodies for block in read_blocks(body)])
    return result


def page_words(page: SearchPage, blocks: list[Block]) -> None:
    """The words of ``blocks``, their weights, the text as shown and the anchors."""
    words, weighted, anchors = page.words, page.weighted, page.anchors
    starts: list[int] = []
    shown: list[str] = []
    length = 0  # of the text shown so far, with a space after each block
    for block in blocks:
        if not block.text:
            continue
        if block.anchor:
            anchors.append({"element": block.heading, "id": block.anchor, "text": block.text, "location": len(words)})
        found, at = cut_words(block.text)
        if block.heading:
            weighted.update(dict.fromkeys(range(len(words), len(words) + len(found)), HEADING_WEIGHTS[block.heading]))
        words += found
        starts += [length + start for start in at] if length else at
        shown.append(block.text)
        length += len(block.text) + 1
    whole = " ".join(shown)
    bounds = [0, *starts[1:], len(whole)] if starts else [0]
    page.shown = ZERO_WIDTH_SPACE.join(map(whole.__getitem__, map(slice, bounds[:-1], bounds[1:])))


def read_blocks(element: etree._Element) -> list[Block]:
    """The text inside ``element`` as Pagefind reads it: without what it skips, blocks
    separated by spaces, each heading apart. Changes ``element``: the skipped elements
    go, markers are put around blocks and headings, and lxml writes the text out at once."""
    for skipped in SKIPPED(element):
        drop(skipped)
    headings = []
    for block in element.iterdescendants(*BLOCK_TAGS):
        if block.tag in HEADING_WEIGHTS:
            block.text = f"\n{HEADING_MARK}{len(headings)}{HEADING_MARK}{block.text or ''}"
            block.tail = f"{HEADING_END}\n{block.tail or ''}"
            headings.append(block)
        else:
            block.text = "\n" + (block.text or "")
            block.tail = "\n" + (block.tail or "")
    text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    blocks, done = [], 0
    for match in HEADINGS.finditer(text):
        heading = headings[int(match.group(1))]
        anchor = SPACES.sub("", heading.get("id") or "") or None
        blocks.append(Block(None, None, clean(text[done : match.start()])))
        blocks.append(Block(heading.tag, anchor, clean(match.group(2))))
        done = match.end()
    blocks.append(Block(None, None, clean(text[done:])))
    return blocks


def drop(element: etree._Element) -> None:
    """Remove ``element`` from the tree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = ("\n" if element.tag in BLOCKS else "") + (element.tail or "")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def text_of(element: etree._Element) -> str:
    """An element's text as Pagefind reads it for a title, filter or metadata value."""
    if not SKIPPED(element) and next(element.iterdescendants(*BLOCK_TAGS), None) is None:
        return clean("".join(element.itertext()))
    return " ".join(block.text for block in read_blocks(copy.deepcopy(element)) if block.text)


def clean(text: str) -> str:
    return SPACES.sub(" ", text.replace(ZERO_WIDTH_SPACE, "")).strip()


def read_attributes(root: etree._Element, page: SearchPage) -> None:
    """The page's metadata, filters and sort keys, from anywhere in the page except what
    ``data-pagefind-ignore="all"`` drops; the title is the first ``h1`` unless named."""
    defaults: dict[str, str] = {}
    found = root.xpath(f"//*[@{META} or @{DEFAULT_META} or @{FILTER} or @{SORT}]")
    for element in found:
        if element.xpath(f"ancestor-or-self::*[translate(@{IGNORE}, 'AL', 'al') = 'all']"):
            continue
        text = text_of(element)
        for name, value in attribute_pairs(element, FILTER, text):
            page.filters.setdefault(name, []).append(value)
        page.sort.update(attribute_pairs(element, SORT, text))
        page.meta.update(attribute_pairs(element, META, text))
        defaults.update(attribute_pairs(element, DEFAULT_META, text))
    page.meta = {**defaults, **page.meta}


def attribute_pairs(element: etree._Element, attribute: str, text: str) -> list[tuple[str, str]]:
    """Pagefind's ``name``, ``name:value`` and ``name[attribute]`` forms, comma separated."""
    spec = element.get(attribute)
    if spec is None:
        return []
    names, _, literal = spec.partition(":")
    pairs = []
    for name in (part.strip() for part in names.split(",")):
        if name.endswith("]") and "[" in name:
            name, source = name[:-1].split("[", 1)
            pairs.append((name.strip(), clean(element.get(source.strip()) or "")))
        elif name:
            pairs.append((name, text))
    if literal and pairs:
        pairs[-1] = (pairs[-1][0], clean(literal))
    return [(name, value) for name, value in pairs if value or literal]


def title_of(root: etree._Element, before: bytes) -> str:
    """Pagefind's title when no element names one: the first ``h1`` with text, else
    ``<title>`` (in ``before``, the part of the page that was not parsed, if any)."""
    for heading in root.iter("h1"):
        text = text_of(heading)
        if text:
            return text
    title = TITLE.search(before)
    if title:
        return clean(html.unescape(title.group(1).decode("utf-8", errors="replace")))
    titles = root.xpath("//title")
    return clean(titles[0].xpath("string()")) if titles else ""
