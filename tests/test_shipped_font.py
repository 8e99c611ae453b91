"""Charts on a machine without any Japanese font: the build uses the font shipped with
the package (IPAexGothic from ``matplotlib-fontja``), never the system's.

The build runs in a subprocess that sees no system font: fontconfig reads a
configuration that lists no font folder (and an empty cache folder), matplotlib's
font cache is rebuilt in a new MPLCONFIGDIR, and the fonts matplotlib then finds in
the system's folders (it also scans ``/usr/share/fonts`` itself) are dropped before
the build, so only matplotlib's own fonts (DejaVu, STIX…: no Japanese) remain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import lxml.etree
import pytest
from fontTools.ttLib import TTFont

from site_builder.content.models import Chart
from site_builder.issues import charts, datasets
from tests.conftest import PROJECT, new_project

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["鶴見区", "保土ケ谷区", "港北区", "栄区"]
CSV = ("市区名,人口総数[人]\n" + "".join(f"{n},{100 + i}\n" for i, n in enumerate(LABELS))).encode()
PAGE = """\
---
title: 区別の人口
date: 2026-11-01
summary: 区ごとの人口です。
datasets:
  - id: wards
    file: data/wards.csv
    source: 横浜市「推計人口」
    source_url: https://www.city.yokohama.lg.jp/
    license: CC BY 4.0
    retrieved: 2026-11-01
charts:
  - dataset: wards
    type: bar
    x: 市区名
    y: 人口総数[人]
    title: 区別の人口
---
本文です。
"""
CHART = Chart(dataset="wards", type="bar", x="市区名", y="人口総数[人]", title="区別の人口")

# Runs in the subprocess: hide the system's fonts from matplotlib, build with the real CLI,
# report what matplotlib used and every glyph it could not find.
RUNNER = """
import json, sys, warnings
from pathlib import Path
import matplotlib
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

own = Path(matplotlib.get_data_path()).resolve()
manager = font_manager.fontManager
seen = sorted({f.name for f in manager.ttflist})
manager.ttflist = [f for f in manager.ttflist if Path(f.fname).resolve().is_relative_to(own)]
manager._findfont_cached.cache_clear()
japanese = sorted({f.name for f in manager.ttflist if ord("保") in FT2Font(f.fname).get_charmap()})

from site_builder.cli import main
from site_builder.issues import charts
if len(sys.argv) > 3:  # the check can fail: no shipped font either
    charts.SHIPPED_FONT = ("matplotlib_fontja", "fonts/gone.ttf", "Gone")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    code = main(["--root", sys.argv[1], "build", "--site-dir", sys.argv[2], "--now", "2026-11-28T12:00"])
report = {
    "code": code,
    "fonts_seen_before_hiding": seen,
    "japanese_fonts_visible": japanese,
    "missing_glyphs": [str(w.message) for w in caught if "missing from" in str(w.message)],
}
if code == 0:
    report["font"] = charts.measuring_font()
    report["file"] = str(font_manager.findfont(font_manager.FontProperties(family=charts.measuring_font())))
    report["label_width"] = charts.text_width("保土ケ谷区", 13)
print(json.dumps(report, ensure_ascii=False))
"""


def build_without_system_fonts(tmp_path: Path, *extra: str) -> tuple[dict, subprocess.CompletedProcess]:
    (tmp_path / "project").mkdir()
    project = new_project(tmp_path / "project", {"content/data/wards.csv": CSV, "content/issues/wards.md": PAGE})
    (tmp_path / "fc-cache").mkdir()
    fonts_conf = tmp_path / "fonts.conf"
    fonts_conf.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>\n'
    )
    (tmp_path / "mpl").mkdir()
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(fonts_conf),
        "FONTCONFIG_PATH": str(tmp_path),
        "MPLCONFIGDIR": str(tmp_path / "mpl"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(PROJECT),
        "SITE_BUILDER_LANG": "en",
    }
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(project), str(tmp_path / "site"), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result


@pytest.fixture(scope="module")
def bare_build(tmp_path_factory) -> tuple[dict, Path]:
    tmp_path = tmp_path_factory.mktemp("bare")
    report, result = build_without_system_fonts(tmp_path)
    assert report["code"] == 0, result.stderr
    return report, tmp_path / "site"


def test_the_subprocess_sees_no_system_font(bare_build):
    report, _ = bare_build
    # matplotlib's own fonts have no Japanese; newer ones ship Last Resort, whose "glyphs" are tofu boxes.
    assert [name for name in report["japanese_fonts_visible"] if not name.startswith("Last Resort")] == []
    assert "DejaVu Sans" in report["fonts_seen_before_hiding"]


def test_charts_are_measured_with_the_shipped_font_and_have_every_glyph(bare_build):
    report, _ = bare_build
    assert report["font"] == "IPAexGothic"
    assert Path(report["file"]) == charts.shipped_font_file()
    assert report["missing_glyphs"] == []  # matplotlib warns for each glyph it draws as tofu
    assert report["label_width"] == pytest.approx(5 * 13, rel=0.05)  # five full-width glyphs (tofu is narrower)


def test_the_chart_svg_holds_the_japanese_labels_as_text_in_the_shipped_font(bare_build):
    _, site = bare_build
    html = (site / "issues" / "wards" / "index.html").read_text(encoding="utf-8")
    start = html.index("<svg", html.index('<section class="sb-chart" id="chart-1"'))
    svg_text = html[start : html.index("</svg>", start) + len("</svg>")]
    svg = lxml.etree.fromstring(svg_text)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert set(LABELS) <= set(texts), texts
    cmap = TTFont(charts.shipped_font_file(), lazy=True).getBestCmap()
    assert all(ord(ch) in cmap for label in LABELS for ch in label)
    # The same chart drawn here, where the system's fonts are visible, is the same SVG:
    # the layout never depends on the machine's fonts.
    data = datasets.chart_data(datasets.read_table(CSV), CHART)
    assert svg_text == charts.render_chart(CHART, data, "chart-1", charts.describe(CHART, data))


def test_without_the_shipped_font_the_build_stops_with_a_message_not_tofu(tmp_path):
    report, result = build_without_system_fonts(tmp_path, "break")
    assert report["code"] == 1 and report["missing_glyphs"] == []
    assert "error: no Japanese font for the charts: fonts/gone.ttf of the Python package matplotlib-fontja" in (
        result.stderr
    )
    assert not (tmp_path / "site").exists()
