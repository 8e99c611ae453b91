"""Issue pages built for real: the inline SVG charts (read back with lxml), their data
tables, sources and CSV downloads, the stale-data notice, and one page in headless
Chromium (visible chart, Japanese text drawn with a Japanese font, the palette on
screen, no axe-core violation)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import io
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

import lxml.etree
import lxml.html
import numpy
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.content.dates import TOKYO
from site_builder.content.models import Chart
from site_builder.issues import charts, datasets
from site_builder.issues.pages import place_charts
from site_builder.pipeline import build_site
from tests.conftest import PROJECT, new_project

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=TOKYO)
SVG = "{http://www.w3.org/2000/svg}"
OKABE_ITO = {"#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#cc79a7", "#000000", "#f0e442"}
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"

WARDS = [
    ("鶴見区", "296,742", "149,855", "146,887"),
    ("西区", "104,906", "52,138", "52,768"),
    ("中区", "X", "X", "X"),
    ("保土ケ谷区", "205,912", "102,339", "103,573"),
    ("磯子区", "-", "-", "-"),
    ("港北区", "359,561", "178,702", "180,859"),
    ("栄区", "…", "…", "…"),
    ("泉区", "", "", ""),
]
WARDS_CSV = (
    "年月日,全国地方公共団体コード,市区名,人口総数[人],男[人],女[人]\r\n"
    + "".join(
        f'2026-10-01,1410{i:02d},{name},"{total}","{men}","{women}"\r\n'
        for i, (name, total, men, women) in enumerate(WARDS)
    )
).encode("cp932")
TREND_CSV = "\ufeff年次,65歳以上の割合[%]\n2000年,13.9\n2005年,16.6\n2010年,20.1\n2015年,…\n2020年,25.1\n".encode()

DATASET = """\
  - id: {id}
    file: data/{file}
    source: 横浜市「推計人口」
    source_url: https://www.city.yokohama.lg.jp/city-info/yokohamashi/tokei-chosa/portal/jinko/
    license: CC BY 4.0
    retrieved: {retrieved}
"""
PAGE = """\
---
title: {title}
date: 2026-11-01
summary: 区ごとの人口の違いを見てみましょう。
datasets:
{datasets}charts:
  - dataset: wards
    type: bar
    x: 市区名
    y: 人口総数[人]
    title: 区別の人口
    caption: 2026年10月1日現在
  - dataset: wards
    type: stacked-bar
    x: 市区名
    y:
      - 男[人]
      - 女[人]
    title: 区別の男女別人口
{more}---
前半の文章です。

<!-- chart: 2 -->

後半の文章です。
"""
LINE_CHART = """\
  - dataset: trend
    type: line
    x: 年次
    y: 65歳以上の割合[%]
    title: 65歳以上の割合
"""
FILES = {
    "content/data/wards.csv": WARDS_CSV,
    "content/data/trend.csv": TREND_CSV,
    "content/data/secret-zq.csv": WARDS_CSV,
    "content/issues/wards.md": PAGE.format(
        title="区別の人口",
        more=LINE_CHART,
        datasets=DATASET.format(id="wards", file="wards.csv", retrieved="2026-11-01")
        + DATASET.format(id="trend", file="trend.csv", retrieved="2026-10-15"),
    ),
    # Retrieved 2025-10-20: 404 days before NOW, over the default 400.
    "content/issues/old.md": PAGE.format(
        title="古いデータの例", more="", datasets=DATASET.format(id="wards", file="wards.csv", retrieved="2025-10-20")
    ),
    "content/issues/draft-zq.md": PAGE.format(
        title="下書き", more="", datasets=DATASET.format(id="wards", file="secret-zq.csv", retrieved="2026-11-01")
    ).replace("date: 2026-11-01\n", "date: 2026-11-01\ndraft: true\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("issues")
    (root / "project").mkdir()
    project = new_project(root / "project", FILES)
    build_site(project, root / "site", NOW)
    return root / "site"


def page(site: Path, slug: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / "issues" / slug / "index.html").read_bytes())


def svg_of(site: Path, slug: str, chart_id: str) -> lxml.etree._Element:
    """A chart's SVG as written in the page, parsed as XML by itself (as an SVG
    viewer would; an HTML parser would lowercase ``viewBox``)."""
    text = (site / "issues" / slug / "index.html").read_text(encoding="utf-8")
    start = text.index("<svg", text.index(f'<section class="sb-chart" id="{chart_id}"'))
    return lxml.etree.fromstring(text[start : text.index("</svg>", start) + len("</svg>")])


# --- the built page ------------------------------------------------------------------------


def test_charts_sit_at_their_marker_or_after_the_text(site):
    body = page(site, "wards").xpath("//div[@class='sb-body']")[0]
    order = [e.get("id") or e.text_content().strip() for e in body.xpath("./p | ./section")]
    assert order == ["前半の文章です。", "chart-2", "後半の文章です。", "chart-1", "chart-3"]


def test_each_chart_is_an_accessible_svg_with_japanese_text(site):
    # Per chart: title, kind, some of its text, and the first Okabe–Ito colours (one per series).
    expected = {
        "chart-1": ("区別の人口", "棒グラフ", ["鶴見区", "保土ケ谷区", "人口総数[人]"], {"#0072b2"}),
        "chart-2": (
            "区別の男女別人口",
            "積み上げ棒グラフ",
            ["港北区", "男[人]", "女[人]", "単位：人"],
            {"#0072b2", "#e69f00"},
        ),
        "chart-3": ("65歳以上の割合", "折れ線グラフ", ["2000年", "2020年", "65歳以上の割合[%]"], {"#0072b2"}),
    }
    for chart_id, (title, kind, labels, palette) in expected.items():
        svg = svg_of(site, "wards", chart_id)
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert svg.find(f"{SVG}title").get("id") == title_id and svg.find(f"{SVG}title").text == title
        assert svg.find(f"{SVG}desc").get("id") == desc_id and svg.find(f"{SVG}desc").text.startswith(kind + "。")
        assert svg.get("viewBox") and svg.get("width") is None and svg.get("height") is None  # scales to its column
        assert not svg.findall(f".//{SVG}style") and not svg.findall(f".//{SVG}metadata")  # nothing leaks into the page
        assert "Noto Sans CJK JP" in svg.get("font-family")
        texts = [t.text for t in svg.iter(f"{SVG}text")]
        assert set(labels) <= set(texts), (chart_id, texts)
        assert all("font-family" not in t.get("style", "") for t in svg.iter(f"{SVG}text"))
        colours = {
            c.lower() for e in svg.iter() for c in re.findall(r"(?:fill|stroke): (#[0-9a-fA-F]{6})", e.get("style", ""))
        }
        assert colours & OKABE_ITO == palette, (chart_id, colours)


def test_the_description_summarises_the_numbers(site):
    desc = svg_of(site, "wards", "chart-1").find(f"{SVG}desc").text
    assert "市区名ごとの人口総数[人]（8項目：鶴見区から泉区まで）" in desc
    assert "最大は港北区の359,561、最小は西区の104,906" in desc
    assert "値のない項目：中区、磯子区、栄区、泉区。" in desc


def test_ids_are_unique_on_the_page_and_references_resolve(site):
    html = page(site, "wards")
    ids = [e.get("id") for e in html.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    referenced = {
        value.split("#", 1)[1].rstrip(")")
        for e in html.iter()
        if isinstance(e.tag, str)
        for name, value in e.attrib.items()
        if name in ("clip-path", "{http://www.w3.org/1999/xlink}href", "xlink:href") and "#" in value
    }
    assert referenced and referenced <= set(ids)


def test_each_chart_is_followed_by_its_table_source_and_download(site):
    section = page(site, "wards").get_element_by_id("chart-1")
    table = section.xpath(".//table")[0]
    assert table.xpath("string(caption)") == "表：区別の人口"
    assert [th.text for th in table.xpath("thead/tr/th")] == ["市区名", "人口総数[人]"]
    rows = [(tr.xpath("string(th)"), [td.text or "" for td in tr.xpath("td")]) for tr in table.xpath("tbody/tr")]
    assert rows == [(name, [total]) for name, total, _, _ in WARDS]
    legend = section.xpath(".//ul[@class='sb-chart__legend']/li/text()")
    assert legend == [datasets.NO_VALUE[mark] for mark in ("", "-", "…", "X")]
    facts = dict(zip(section.xpath(".//dl/dt/text()"), section.xpath(".//dl/dd"), strict=False))
    assert facts["出典"].xpath("a/@href") == [
        "https://www.city.yokohama.lg.jp/city-info/yokohamashi/tokei-chosa/portal/jinko/"
    ]
    assert facts["ライセンス"].text == "CC BY 4.0"
    assert facts["取得日"].xpath("time/@datetime") == ["2026-11-01"]
    assert facts["データ"].xpath("a/@href") == ["wards.csv"]
    assert "Shift_JIS" in facts["データ"].text_content()


def test_the_csv_is_copied_beside_each_public_page_byte_for_byte_and_nowhere_else(site):
    assert (site / "issues/wards/wards.csv").read_bytes() == WARDS_CSV
    assert (site / "issues/wards/trend.csv").read_bytes() == TREND_CSV
    assert (site / "issues/old/wards.csv").read_bytes() == WARDS_CSV
    assert not (site / "data").exists()
    leaked = [p for p in site.rglob("*") if "draft-zq" in p.as_posix() or "secret-zq" in p.as_posix()]
    leaked += [p for p in site.rglob("*.html") if "secret-zq" in p.read_text(encoding="utf-8")]
    assert leaked == []
    listed = page(site, "").xpath("//a[@class='sb-card__link']/@href")
    assert sorted(listed) == ["old/", "wards/"]


def test_stale_data_notice_only_on_the_page_with_old_data(site):
    assert page(site, "wards").find_class("sb-notice--stale") == []
    notice = page(site, "old").find_class("sb-notice--stale")
    assert len(notice) == 1
    assert "2025年10月20日(月)に取得したもので、404日が過ぎています" in notice[0].text_content()


# --- the pieces on their own ----------------------------------------------------------------


def test_the_same_chart_renders_to_the_same_bytes_and_two_charts_keep_ids_apart():
    table = datasets.read_table(WARDS_CSV)
    chart = Chart(dataset="w", type="stacked-bar", x="市区名", y=["男[人]", "女[人]"], title="男女別")
    data = datasets.chart_data(table, chart)
    first, again = (charts.render_chart(chart, data, "chart-1", "説明") for _ in range(2))
    assert first == again
    other = charts.render_chart(chart, data, "chart-2", "説明")

    def ids(svg: str) -> set[str]:
        return {e.get("id") for e in lxml.etree.fromstring(svg).iter() if e.get("id")}

    assert ids(first) and not ids(first) & ids(other)


def test_many_long_labels_turn_bars_horizontal_and_few_short_ones_stay_vertical():
    assert not charts.labels_fit(tuple(name for name, *_ in WARDS * 2))
    assert charts.labels_fit(("2000年", "2005年", "2010年", "2015年", "2020年", "2025年"))


def test_charts_are_measured_with_the_shipped_font():
    charts.measuring_font.cache_clear()
    assert charts.measuring_font() == "IPAexGothic"
    path = charts.shipped_font_file()
    assert path.name == "ipaexg.ttf" and (path.parent / "IPA_Font_License_Agreement_v1.0.txt").is_file()
    assert charts.text_width("保土ケ谷区", 13) == pytest.approx(5 * 13, rel=0.05)  # five full-width glyphs, no tofu


def test_no_japanese_font_is_an_error_not_tofu(monkeypatch):
    monkeypatch.setattr(charts, "SHIPPED_FONT", ("matplotlib_fontja", "fonts/no-such-font.ttf", "No Such Font JP"))
    charts.measuring_font.cache_clear()
    try:
        with pytest.raises(
            charts.ChartError, match=r"no Japanese font for the charts: fonts/no-such-font\.ttf"
        ) as info:
            charts.measuring_font()
        assert "入れ直して" in info.value.args[0].ja
    finally:
        charts.measuring_font.cache_clear()


def test_place_charts_appends_unplaced_charts_and_ignores_unknown_markers():
    parts = place_charts("<p>a</p>\n<!-- chart: 3 -->\n<p>b</p>\n<!-- chart: 9 -->", 3)
    assert parts == ["<p>a</p>\n", 3, "\n<p>b</p>\n<!-- chart: 9 -->", 1, 2]


# --- in the browser --------------------------------------------------------------------------


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser_on(site):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER, AXE) if not p.is_file()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run make test (tools/install-deps installs them)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="sb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=390,844",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)


def open_issue(driver, base: str, slug: str) -> list[dict]:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    driver.get(f"{base}/issues/{slug}/")
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.execute_script("return document.fonts.ready")
    return driver.get_log("browser")


def platform_fonts(driver, element) -> list[dict]:
    """The fonts Chromium drew an element's text with (DevTools protocol)."""
    driver.execute_script("arguments[0].setAttribute('data-font-probe', '1')", element)
    document = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})
    node = driver.execute_cdp_cmd(
        "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": "[data-font-probe]"}
    )
    driver.execute_cdp_cmd("CSS.enable", {})
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    driver.execute_script("arguments[0].removeAttribute('data-font-probe')", element)
    return fonts


def missing_glyphs(post_script_name: str, text: str) -> str:
    """The characters of ``text`` that the installed font has no glyph for.

    Chromium reports the font it *tried* even for tofu (Noto CJK's .notdef box is
    1 em wide too), so the font file itself is asked, found through fontconfig."""
    listing = subprocess.run(
        ["fc-list", "-f", "%{postscriptname}\t%{file}\t%{index}\n"], capture_output=True, text=True, check=True
    ).stdout
    path, index = next(line.split("\t")[1:] for line in listing.splitlines() if line.split("\t")[0] == post_script_name)
    cmap = TTFont(path, fontNumber=int(index), lazy=True).getBestCmap()
    return "".join(ch for ch in text if ord(ch) not in cmap)


def test_issue_page_in_chromium_on_a_phone(browser_on, tmp_path_factory):
    driver, base = browser_on
    console = open_issue(driver, base, "wards")
    svg = driver.find_element(By.CSS_SELECTOR, "#chart-2 svg")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", svg)
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height, innerWidth, innerHeight]",
        svg,
    )
    left, top, width, height, inner_width, inner_height = box
    assert svg.is_displayed()
    assert width > 300 and height > 200, box  # the chart fills the phone's column
    assert left >= 0 and left + width <= inner_width and top >= 0 and top + height <= inner_height, box

    # The labels are text nodes in Japanese, drawn with a Japanese font: no tofu.
    texts = driver.execute_script("return [...arguments[0].querySelectorAll('text')].map(t => t.textContent)", svg)
    assert {"鶴見区", "保土ケ谷区", "港北区", "男[人]", "女[人]"} <= set(texts)
    label = next(t for t in svg.find_elements(By.TAG_NAME, "text") if t.get_attribute("textContent") == "保土ケ谷区")
    fonts = platform_fonts(driver, label)
    assert sum(f["glyphCount"] for f in fonts) == len("保土ケ谷区"), fonts
    assert all(missing_glyphs(f["postScriptName"], "保土ケ谷区") == "" for f in fonts), fonts
    assert missing_glyphs(fonts[0]["postScriptName"], "保\U000f0001") == "\U000f0001"  # the check can fail
    # The browser draws the label as wide as matplotlib measured it when it laid the
    # chart out, so labels neither overlap nor get cut (5 full-width characters, 5 em).
    length, size = driver.execute_script(
        "return [arguments[0].getComputedTextLength(), parseFloat(getComputedStyle(arguments[0]).fontSize)]", label
    )
    assert length == pytest.approx(charts.text_width("保土ケ谷区", size), rel=0.05), (length, size)
    # Readable on the phone: the labels come out at 10 CSS px or more.
    view_width = driver.execute_script("return arguments[0].viewBox.baseVal.width", svg)
    assert size * width / view_width >= 10, (size, width, view_width)

    # On screen, the two series are drawn in their Okabe–Ito colours.
    shot = tmp_path_factory.mktemp("screens") / "chart-2.png"
    shot.write_bytes(svg.screenshot_as_png)
    page_shot = shot.with_name("issue-page.png")
    driver.save_screenshot(str(page_shot))
    print(f"screenshots: {shot} {page_shot}")
    pixels = numpy.asarray(Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")).reshape(-1, 3).astype(int)
    for colour in ("#0072b2", "#e69f00"):
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        share = (abs(pixels - rgb) <= 12).all(axis=1).mean()
        assert share > 0.03, (colour, share)
    distinct = len(numpy.unique(pixels // 16, axis=0))
    assert 4 <= distinct <= 400, distinct  # background, text, grid, bars: a chart, not noise or a blank

    assert not [entry for entry in console if entry["level"] == "SEVERE"], console


def test_issue_page_has_no_axe_violations(browser_on):
    driver, base = browser_on
    open_issue(driver, base, "wards")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: String(e), impact: 'critical', nodes: []}]))"
    )
    assert violations == [], violations
