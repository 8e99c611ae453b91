"""The benchmark harness on a few items, nothing timed: the Hugo project that
bench/hugo_site.py writes builds with the real Hugo and shows every item's body, and
bench/preview_latency.py sees every save in a real ``site-builder serve`` and ``hugo server``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import lxml.html

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402 imported after bench/ joins sys.path
import hugo_site  # noqa: E402 imported after bench/ joins sys.path
import preview_latency  # noqa: E402 imported after bench/ joins sys.path

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def body_texts(body: str) -> list[str]:
    """The text of each heading, paragraph and list item of a generated body, Markdown removed."""
    texts = []
    for line in body.splitlines():
        text = re.sub(r"^(#+ |- |\d+\. )", "", line.strip())
        if text:
            texts.append(LINK.sub(r"\1", text))
    return texts


def test_hugo_builds_every_item_with_its_body(tmp_path):
    items = generate.generate_items(30)
    project = tmp_path / "hugo"
    hugo_site.write_hugo(project, items)
    subprocess.run(hugo_site.build_command(project), check=True, capture_output=True, timeout=120)
    linked = 0
    for item in items:
        page = project / "public" / hugo_site.item_url(item).strip("/") / "index.html"
        article = lxml.html.parse(str(page)).find(".//article")
        assert article.findtext("h1") == item.title
        text = article.text_content()
        for fragment in [item.front["summary"], *body_texts(item.body)]:
            assert fragment in text, (item.slug, fragment)
        hrefs = [a.get("href") for a in article.iter("a")]
        assert not [href for href in hrefs if href.endswith(".md")], item.slug  # every link resolved to a page
        linked += len(hrefs)
    assert linked > 0  # the bodies link to each other, and Hugo resolved those links


def test_preview_latency_sees_every_save(tmp_path):
    items = generate.generate_items(20)
    case = preview_latency.newest_case(items)
    project, hugo = tmp_path / "project", tmp_path / "hugo"
    generate.write_project(project, items)
    hugo_site.write_hugo(hugo, items)
    for target, original in [
        (preview_latency.ours(project, items), generate.file_text(case)),
        (preview_latency.hugo(hugo, items), hugo_site.item_text(case)),
    ]:
        latency = preview_latency.measure_preview(target, edits=2, timeout=60, startup_timeout=120)
        assert len(latency.seconds) == 2
        assert latency.timeouts == 0, latency.seconds  # the marker of each save was seen on the page
        assert target.source.read_text(encoding="utf-8") == original  # the case is put back
