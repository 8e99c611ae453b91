"""Every page's chrome (site/chrome.py): header, global navigation with the current section,
breadcrumbs, table of contents and the footer of a public facility.

The project's own content is built once at a fixed time and every page is read back with
lxml; then a scratch project with other ``center_*`` settings shows that the footer and the
home page's entry points come from mkdocs.yml, not from the templates.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
import yaml

from site_builder.content.dates import TOKYO
from site_builder.content.settings import CenterSettings
from site_builder.pipeline import build_site
from site_builder.site.chrome import BREADCRUMBS, FOOTER, HEADER, TOC
from tests.conftest import PROJECT, new_project

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=TOKYO)
CONFIG = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
CENTER = CenterSettings.model_validate(
    {key: value for key, value in CONFIG["extra"]["site_builder"].items() if key.startswith("center_")}
)
# (page, the global navigation entry it belongs to)
SECTIONS = [
    ("cases/index.html", "協働事例"),
    ("cases/kodomo-shokudo-manabi/index.html", "協働事例"),
    ("cases/ward/naka/index.html", "協働事例"),
    ("events/mirai-link-2027-01/index.html", "イベント"),
    ("news/site-open/index.html", "お知らせ"),
    ("issues/index.html", "課題を知る"),
    ("consultation/index.html", "センターについて"),
    ("centers/naka/index.html", "センターについて"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("chrome")
    (root / "project").mkdir()
    project = new_project(root / "project", own_content=True)
    for folder in ("cases", "events", "content"):
        shutil.rmtree(project / folder)
        shutil.copytree(PROJECT / folder, project / folder)
    build_site(project, root / "site", NOW)
    return root / "site"


def pages(site: Path) -> list[Path]:
    """The site's pages: not Pagefind's, nor the web editing form's (/admin/, an application of its own)."""
    apart = (site / "pagefind", site / "admin")
    return sorted(path for path in site.rglob("*.html") if not any(path.is_relative_to(folder) for folder in apart))


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(path)).getroot()


def test_every_page_has_the_chrome_and_no_documentation_chrome(site):
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        page = parse(path)
        name = path.relative_to(site).as_posix()
        assert len(page.xpath("//header[@class='sb-header']")) == 1, name
        assert len(page.xpath("//footer[@class='sb-footer']//address")) == 1, name
        assert len(page.xpath("//main[@id='sb-main']")) == 1, name
        assert len(page.xpath("//h1")) == 1, f"{name}: one h1"
        for mark in (HEADER, FOOTER, BREADCRUMBS, TOC, "SB-FRAME"):
            assert mark not in text, f"{name}: {mark} left in place"
        # Nothing of a documentation theme: no generator credit, pager, sidebar or theme script.
        assert "Made with" not in text and "md-footer" not in text and "md-sidebar" not in text, name
        assert not page.xpath("//script[contains(@src, 'javascripts/bundle')]"), name
        assert not page.xpath("//input[@type='checkbox'][not(ancestor::form[@class='sb-form'])]"), name


def test_the_global_navigation_marks_the_section_of_every_page(site):
    for name, section in SECTIONS:
        nav = parse(site / name).xpath("//nav[@class='sb-nav']")[0]
        current = nav.xpath(".//a[@aria-current]")
        assert [link.text_content() for link in current] == [section], name
    home = parse(site / "index.html").xpath("//header//a[@aria-current]")
    assert [(link.get("class"), link.get("aria-current")) for link in home] == [("sb-brand", "page")]
    contact = parse(site / "contact/index.html").xpath("//footer//a[@aria-current='page']")
    assert [link.text_content() for link in contact] == ["お問い合わせ"]
    listed = parse(site / "cases/index.html").xpath("//nav[@class='sb-nav']//a[@aria-current='page']")
    assert [link.text_content() for link in listed] == ["協働事例"]


def test_breadcrumbs_lead_from_home_to_the_page(site):
    def trail(name: str) -> list[str]:
        return [item.text_content() for item in parse(site / name).xpath("//nav[@class='sb-breadcrumbs sb-wrap']//li")]

    case = parse(site / "cases/kodomo-shokudo-manabi/index.html").xpath("//h1")[0].text_content()
    assert trail("cases/kodomo-shokudo-manabi/index.html") == ["ホーム", "協働事例", case]
    assert trail("centers/naka/index.html") == [
        "ホーム",
        "センターについて",
        "各区の市民活動支援センター",
        "中区の市民活動支援センター",
    ]
    assert trail("cases/ward/naka/index.html")[:2] == ["ホーム", "協働事例"]
    assert not parse(site / "index.html").xpath("//nav[contains(@class, 'sb-breadcrumbs')]")
    for name, _ in SECTIONS:  # each link of a trail leads to a page that exists
        page = site / name
        for link in parse(page).xpath("//nav[contains(@class, 'sb-breadcrumbs')]//a/@href"):
            assert (page.parent / link / "index.html").resolve().is_file(), (name, link)


def test_item_pages_have_a_table_of_contents_with_readable_anchors(site):
    page = parse(site / "events/mirai-link-2027-01/index.html")
    toc = page.xpath("//nav[@class='sb-toc']//a")
    headings = page.xpath("//div[@class='sb-body']/h2")
    assert len(toc) == len(headings) >= 2
    for link, heading in zip(toc, headings, strict=True):
        assert link.get("href") == "#" + heading.get("id")
        assert link.text_content() == heading.text_content().replace("¶", "").strip()
    assert not parse(site / "events/index.html").xpath("//nav[@class='sb-toc']")  # lists have none


def test_footer_of_a_public_facility_comes_from_the_settings(site):
    footer = parse(site / "about/index.html").xpath("//footer")[0]
    text = re.sub(r"\s+", "", footer.text_content())
    for value in (CENTER.address, CENTER.phone, *CENTER.hours, CENTER.access, CENTER.operator):
        assert re.sub(r"\s+", "", value) in text
    assert footer.xpath(".//address")[0].text_content().strip().startswith(CENTER.address)
    assert footer.xpath(f".//a[@href='{CENTER.map_url}']")
    assert len(footer.xpath(".//nav[@class='sb-footer__wards']//li/a")) == 18
    assert footer.xpath(".//a[@href='../contact/']")


def test_the_centre_is_described_by_settings_not_by_templates(tmp_path):
    config = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    settings = config["extra"]["site_builder"]
    settings.update(
        center_tagline="ためしの見出し",
        center_address="〒000-0000 どこかの町1-2-3",
        center_phone="099-999-9999",
        center_hours=["毎日 10:00〜16:00"],
        center_map_url="https://maps.example/center",
        center_operator="ためしの運営団体",
        center_purposes=[{"label": "ためしてみたい", "url": "/cases/", "text": "説明の文"}],
    )
    (tmp_path / "project").mkdir()
    new_project(tmp_path / "project", own_content=True)
    (tmp_path / "project" / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    build_site(tmp_path / "project", tmp_path / "site", NOW)
    home = parse(tmp_path / "site" / "index.html")
    text = home.text_content()
    for value in (
        "ためしの見出し",
        "〒000-0000 どこかの町1-2-3",
        "099-999-9999",
        "毎日 10:00〜16:00",
        "ためしの運営団体",
    ):
        assert value in text
    for value in (CENTER.address, CENTER.phone, CENTER.operator, *CENTER.hours):
        assert value not in text
    assert home.xpath("//h1")[0].text_content() == "ためしの見出し"
    assert [a.text_content() for a in home.xpath("//ul[@class='sb-purposes']//a")] == ["ためしてみたい説明の文"]
    assert home.xpath("//footer//a[@href='https://maps.example/center']")


def test_a_centre_link_must_be_a_site_path_or_https(project, run_cli):
    root = project()
    text = (PROJECT / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("center_contact_url: /contact/", "center_contact_url: javascript:alert(1)")
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    line = text.splitlines().index("    center_contact_url: javascript:alert(1)") + 1
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1
    assert stderr.splitlines()[0] == (
        f"mkdocs.yml:{line}: extra.site_builder.center_contact_url: "
        "must be a site path such as /contact/ or an https URL, got 'javascript:alert(1)'"
    )


def test_a_centre_link_to_a_page_not_built_is_a_warning_and_left_out(project, run_cli):
    root = project()
    text = (PROJECT / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(text.replace("url: /space/", "url: /spaces/"), encoding="utf-8")
    line = text.splitlines().index("        url: /space/") + 1
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 0
    # the scratch project has no pages: the archive and the contact page are not built either
    assert (
        f"mkdocs.yml:{line}: extra.site_builder.center_purposes: link target /spaces/ is not a page or file "
        "of this site; check the address (e.g. /cases/) or remove the link (warning)"
    ) in stderr.splitlines()
    assert run_cli("--root", root, "build", "--quiet")[0] == 0
    footer = parse(root / "site" / "index.html").xpath("//footer")[0]
    assert not footer.xpath(".//a[contains(@href, 'newsletter/')]") and not footer.xpath(".//a[@class='sb-button']")
