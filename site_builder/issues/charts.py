"""Issue-page charts (``bar``, ``line``, ``stacked-bar``) as static, accessible SVG.

Drawn at build time with matplotlib's SVG backend and no pyplot state. Choices:

* Text stays text (``svg.fonttype: none``): the browser draws the Japanese labels
  with the reader's own fonts, so screen readers, search and copy/paste see them
  and no glyph is baked in as an outline. matplotlib measures the layout with the
  Japanese font shipped with the package (:data:`SHIPPED_FONT`: IPAexGothic from the
  ``matplotlib-fontja`` dependency, IPA Font License v1.0), registered with
  matplotlib's font manager from its file: the build needs no system font, and
  every machine lays a chart out the same way. The SVG asks for :data:`CSS_FONTS`,
  which every phone and desktop has one of (every full-width character is 1 em wide
  in each of them, as in IPAexGothic). A missing font file is an error, never tofu.
* Accessible: ``role="img"`` labelled by the SVG's ``<title>`` and ``<desc>`` (a
  sentence about what the chart shows); the numbers follow in an HTML table.
* Okabe–Ito colours (safe for every common colour-vision deficiency); lines also
  differ by marker and dash. Bars become horizontal when their labels would not fit
  side by side on a phone.
* Scalable: ``viewBox`` only, no fixed size (the stylesheet sets ``width: 100%``).
* Deterministic: a fixed hash salt per chart (which also keeps the ids of two
  charts on one page apart), no date, no generator metadata.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from site_builder.content.i18n import bi
from site_builder.content.models import Chart
from site_builder.issues.datasets import ChartData, Series

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported where it is used: only a build with issue pages pays for it.

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("-", "--", "-.", ":")
# The Japanese font the charts are measured with: (package, file in it, family name).
# The package is a dependency (pyproject.toml); it is located, never imported, since
# importing it changes matplotlib's global settings.
SHIPPED_FONT = ("matplotlib_fontja", "fonts/ipaexg.ttf", "IPAexGothic")
FALLBACK_FONT = "DejaVu Sans"  # matplotlib's own: a glyph IPAexGothic lacks (rare symbols) is measured in it
CSS_FONTS = (
    "'Noto Sans CJK JP', 'Noto Sans JP', 'Source Han Sans JP', 'Hiragino Sans', "
    "'Hiragino Kaku Gothic ProN', 'Yu Gothic', Meiryo, IPAexGothic, sans-serif"
)
TYPE_NAMES = {"bar": "棒グラフ", "line": "折れ線グラフ", "stacked-bar": "積み上げ棒グラフ"}
WIDTH_IN = 5.5  # 396 units wide: 13-unit text is about 11 px on a 343 px phone column
PLOT_WIDTH_PT = 330
TEXT = "#1a1a1a"
SVG_NS = "http://www.w3.org/2000/svg"


class ChartError(Exception):
    """The machine cannot draw charts (the shipped Japanese font is missing)."""


def shipped_font_file() -> Path:
    """The font file of :data:`SHIPPED_FONT`, found without importing its package."""
    package, file, _ = SHIPPED_FONT
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / file).is_file():
            return Path(folder) / file
    dist = package.replace("_", "-")
    raise ChartError(
        bi(
            f"no Japanese font for the charts: {file} of the Python package {dist} is missing; "
            "install site-builder again (make preview does it, or: .venv/bin/pip install -e .) and build again",
            f"グラフ用の日本語フォントがありません（Python パッケージ {dist} の {file}）。"
            "site-builder を入れ直してから（make preview、または .venv/bin/pip install -e .）、"
            "もう一度ビルドしてください。",
        )
    )


@functools.cache
def measuring_font() -> str:
    """Registers the shipped Japanese font with matplotlib (once) and returns its family name."""
    from matplotlib import font_manager

    path = shipped_font_file()
    manager = font_manager.fontManager
    if not any(Path(font.fname) == path for font in manager.ttflist):
        manager.addfont(path)
    return SHIPPED_FONT[2]


def style(salt: str) -> dict:
    from cycler import cycler

    return {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "font.family": "sans-serif",
        "font.sans-serif": [measuring_font(), FALLBACK_FONT],
        "font.size": 14,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "text.color": TEXT,
        "axes.labelcolor": TEXT,
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "axes.edgecolor": "#666666",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=OKABE_ITO),
        "grid.color": "#d9d9d9",
        "grid.linewidth": 0.8,
        "legend.frameon": False,
        "legend.fontsize": 13,
        "axes.unicode_minus": False,
    }


def render_chart(chart: Chart, data: ChartData, id_prefix: str, description: str) -> str:
    """The chart as an inline ``<svg>`` element (a string)."""
    import matplotlib

    with matplotlib.rc_context(style(id_prefix)):
        figure = draw(chart, data)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return accessible_svg(buffer.getvalue(), chart.title, description, id_prefix)


def draw(chart: Chart, data: ChartData) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    horizontal = chart.type != "line" and not labels_fit(data.labels)
    count = len(data.labels)
    height = 1.3 + 0.34 * count + 0.3 * len(data.series) if horizontal else 3.8
    figure = Figure(figsize=(WIDTH_IN, max(height, 2.6)), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(count))
    if chart.type == "line":
        draw_lines(axes, data, positions)
    else:
        draw_bars(axes, data, positions, horizontal, stacked=chart.type == "stacked-bar")
    value_axis = axes.xaxis if horizontal else axes.yaxis
    value_axis.set_major_formatter(FuncFormatter(lambda value, _: format(value, ",.10g")))
    value_axis.set_major_locator(MaxNLocator(nbins=4 if horizontal else 6, steps=[1, 2, 2.5, 5, 10]))
    axes.grid(True, axis="x" if horizontal else "y")
    axes.set_axisbelow(True)
    label_axis(axes, data, horizontal)
    if len(data.series) > 1:
        figure.legend(loc="outside lower center", ncols=legend_columns([series.name for series in data.series]))
    return figure


def draw_lines(axes, data: ChartData, positions: list[int]) -> None:
    for index, series in enumerate(data.series):
        axes.plot(
            positions,
            values(series),
            label=series.name,
            marker=MARKERS[index % len(MARKERS)],
            linestyle=DASHES[index % len(DASHES)],
            linewidth=2.2,
            markersize=6,
        )
    step = max(1, math.ceil((label_width(data.labels) + 13) / (PLOT_WIDTH_PT / max(len(positions), 1))))
    ticks = positions[::step]
    axes.set_xticks(ticks, [data.labels[i] for i in ticks])
    axes.set_xlim(-0.4, len(positions) - 0.6)


def draw_bars(axes, data: ChartData, positions: list[int], horizontal: bool, stacked: bool) -> None:
    bar = axes.barh if horizontal else axes.bar
    count = len(data.series)
    width = 0.7 if stacked or count == 1 else 0.8 / count
    above, below = [0.0] * len(positions), [0.0] * len(positions)
    for index, series in enumerate(data.series):
        numbers = [0.0 if math.isnan(v) else v for v in values(series)]
        if stacked:
            base = [below[i] if v < 0 else above[i] for i, v in enumerate(numbers)]
            at = positions
        else:
            base = [0.0] * len(positions)
            at = [p - 0.4 + width * (index + 0.5) for p in positions] if count > 1 else positions
        bar(at, numbers, width, base, label=series.name, edgecolor="white", linewidth=0.6)
        for i, v in enumerate(numbers):
            (below if v < 0 else above)[i] += v
    mark_gaps(axes, data, horizontal, stacked)
    ticks = axes.set_yticks if horizontal else axes.set_xticks
    ticks(positions, list(data.labels))
    if horizontal:
        axes.invert_yaxis()


def mark_gaps(axes, data: ChartData, horizontal: bool, stacked: bool) -> None:
    """A bar without a value shows its mark (X, …, -, 空欄) where the bar would
    start, so that it is not read as zero."""
    count = len(data.series)
    gaps = []  # (position on the label axis, mark)
    for position in range(len(data.labels)):
        cells = [series.cells[position] for series in data.series]
        if stacked or count == 1:
            if all(cell.value is None for cell in cells):
                gaps.append((position, cells[0].mark))
            continue
        gaps += [
            (position - 0.4 + 0.8 / count * (index + 0.5), cell.mark)
            for index, cell in enumerate(cells)
            if cell.value is None
        ]
    for at, mark in gaps:
        axes.annotate(
            mark or "空欄",
            (0, at) if horizontal else (at, 0),
            xytext=(4, 0) if horizontal else (0, 4),
            textcoords="offset points",
            ha="left" if horizontal else "center",
            va="center" if horizontal else "bottom",
            fontsize=11,
            color="#333333",
        )


def legend_columns(names: list[str]) -> int:
    """As many legend columns as fit across the figure (a key and gap take ~3 em)."""
    widest = max(text_width(name) for name in names) + 40
    return max(1, min(len(names), int(WIDTH_IN * 72 * 0.95 // widest)))


def label_axis(axes, data: ChartData, horizontal: bool) -> None:
    """The value axis is named horizontally (Japanese reads badly turned 90°)."""
    names = [series.name for series in data.series]
    units = {unit(name) for name in names}
    title = names[0] if len(names) == 1 else (f"単位：{units.pop()}" if len(units) == 1 and None not in units else "")
    if horizontal:
        axes.set_xlabel(title)
    elif title:
        axes.set_title(title, loc="left", fontsize=13, pad=8)


def unit(name: str) -> str | None:
    match = re.search(r"[\[［(（]([^\]］)）]+)[\]］)）]\s*$", name)
    return match[1] if match else None


def values(series: Series) -> list[float]:
    return [float(cell.value) if cell.value is not None else math.nan for cell in series.cells]


def text_width(text: str, size: float = 13) -> float:
    """How wide matplotlib draws ``text`` in the measuring font, in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    if not text:
        return 0.0
    return TextPath((0, 0), text, size=size, prop=FontProperties(family=measuring_font())).get_extents().width


def label_width(labels: tuple[str, ...]) -> float:
    return max((text_width(label) for label in labels), default=0.0) + 4


def labels_fit(labels: tuple[str, ...]) -> bool:
    return label_width(labels) <= PLOT_WIDTH_PT / max(len(labels), 1)


def accessible_svg(data: bytes, title: str, description: str, id_prefix: str) -> str:
    """matplotlib's SVG made fit to inline into a page (see the module docstring)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for element in root.findall(f"{{{SVG_NS}}}metadata") + root.findall(f"{{{SVG_NS}}}defs/{{{SVG_NS}}}style"):
        element.getparent().remove(element)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("class", "sb-chart__svg")
    root.set("role", "img")
    root.set("aria-labelledby", f"{id_prefix}-title {id_prefix}-desc")
    root.set("font-family", CSS_FONTS)
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for index, (tag, text) in enumerate((("title", title), ("desc", description))):
        element = etree.Element(f"{{{SVG_NS}}}{tag}", id=f"{id_prefix}-{tag}")
        element.text = text
        root.insert(index, element)
    keep_referenced_ids(root, id_prefix)
    for text in root.iter(f"{{{SVG_NS}}}text"):
        text.set("style", re.sub(r"font-family:[^;]*;?\s*", "", text.get("style", "")).strip())
    return etree.tostring(root, encoding="unicode")


def keep_referenced_ids(root, id_prefix: str) -> None:
    """Drop matplotlib's ``figure_1``-style ids, which would repeat between charts."""
    referenced = set(
        re.findall(
            r"#([\w.-]+)",
            " ".join(value for element in root.iter() for value in element.attrib.values() if "#" in value),
        )
    )
    referenced |= {f"{id_prefix}-title", f"{id_prefix}-desc"}
    for element in root.iter():
        if element.get("id") and element.get("id") not in referenced:
            del element.attrib["id"]


def describe(chart: Chart, data: ChartData) -> str:
    """What the chart shows, in sentences, for the SVG's ``<desc>``."""
    names = "、".join(series.name for series in data.series)
    count = len(data.labels)
    span = f"{data.labels[0]}から{data.labels[-1]}まで" if count > 1 else data.labels[0] if count else "なし"
    sentences = [f"{TYPE_NAMES[chart.type]}。{data.x_name}ごとの{names}（{count}項目：{span}）。"]
    if chart.caption:
        sentences.append(chart.caption)
    sentences += [summarize(chart.type, data.labels, series) for series in data.series]
    gaps = [label for i, label in enumerate(data.labels) if any(s.cells[i].value is None for s in data.series)]
    if gaps:
        sentences.append(f"値のない項目：{'、'.join(gaps)}。")
    sentences.append("数値は図の後の表にあります。")
    return "".join(sentences)


def summarize(chart_type: str, labels: tuple[str, ...], series: Series) -> str:
    known = [(label, cell) for label, cell in zip(labels, series.cells, strict=False) if cell.value is not None]
    if not known:
        return f"{series.name}：値なし。"
    high = max(known, key=lambda pair: pair[1].value)
    low = min(known, key=lambda pair: pair[1].value)
    extremes = f"最大は{high[0]}の{high[1].text}、最小は{low[0]}の{low[1].text}"
    if chart_type == "line" and len(known) > 1:
        (first_label, first), (last_label, last) = known[0], known[-1]
        return f"{series.name}：{first_label}の{first.text}から{last_label}の{last.text}へ（{extremes}）。"
    return f"{series.name}：{extremes}。"
