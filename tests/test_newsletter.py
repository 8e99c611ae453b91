"""Newsletter editions: selection at the send time, the email HTML rules, the .eml,
escaping, the size limit, caniemail, and the web copy on the site.

Outputs are read with independent readers: the stdlib email parser, lxml, caniemail
(npm, run with node) and the built site's HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
import yaml

from site_builder import pipeline
from site_builder.cli import main
from site_builder.content import dates
from site_builder.newsletter import editions as newsletter
from tests.conftest import PROJECT, new_project

EDITION = "2020-07b"
BUILD_NOW = "2020-07-20T12:00"  # after the send time: future items exist by then
ESCAPED_TITLE = '<試行> & "引用" の事例'
EDITION_TITLE = '7月号 <後半> & "特集"'
SITE = "https://www.yokohama-kyodo.example/"
LEAKS = ("LEAKDRAFT", "LEAKFUTURE", "LEAKOLD")


def news(slug: str, title: str, date: str, draft: bool = False) -> tuple[str, str]:
    return (
        f"content/news/{slug}.md",
        f"""
        ---
        title: {json.dumps(title, ensure_ascii=False)}
        date: {date}
        summary: {title}の概要です。
        draft: {"true" if draft else "false"}
        ---
        本文です。
        """,
    )


def event(slug: str, title: str, date: str, start: str, draft: bool = False) -> tuple[str, str]:
    return (
        f"events/{slug}.md",
        f"""
        ---
        title: {title}
        date: {date}
        summary: {title}のご案内です。
        start: {start}
        venue: スペースA・B
        draft: {"true" if draft else "false"}
        ---
        """,
    )


CASE = """
    ---
    title: {title}
    date: {date}
    summary: 協働事例の概要です。
    partners:
      - {{name: NPO法人 〇〇, type: npo}}
      - {{name: 〇〇株式会社, type: company}}
    wards: [naka]
    status: ongoing
    image: images/photo.png
    image_alt: 活動の様子を描いたイラスト
    ---
    本文です。
    """


def files() -> dict[str, str | bytes]:
    found = dict(
        [
            news("in-period", "期間内のお知らせ", "2020-07-10T10:00"),
            news("at-send-time", "発行時刻ちょうどのお知らせ", "2020-07-15T09:00"),
            news("at-previous", "LEAKOLD 前号の発行時刻のお知らせ", "2020-07-01T09:00"),
            news("before", "LEAKOLD 前号より前のお知らせ", "2020-06-20T10:00"),
            news("draft", "LEAKDRAFT 下書きのお知らせ", "2020-07-05T10:00", draft=True),
            news("future", "LEAKFUTURE 発行後のお知らせ", "2020-07-15T09:30"),
            event("soon", "近日のイベント", "2020-07-01T10:00", "2020-07-25T14:00"),
            event("far", "LEAKOLD 先のイベント", "2020-07-01T10:00", "2020-10-01T14:00"),
            event("ended", "LEAKOLD 終了したイベント", "2020-06-01T10:00", "2020-07-10T14:00"),
            event("announced-later", "LEAKFUTURE 発行後に告知したイベント", "2020-07-16T10:00", "2020-07-30T14:00"),
            event("draft-event", "LEAKDRAFT 下書きのイベント", "2020-07-02T10:00", "2020-07-26T14:00", draft=True),
        ]
    )
    found["cases/escaped.md"] = CASE.format(
        title=json.dumps(ESCAPED_TITLE, ensure_ascii=False), date="2020-07-12T10:00"
    )
    found["cases/images/photo.png"] = (PROJECT / "cases" / "images" / "kodomo-shokudo-manabi.png").read_bytes()
    found["content/newsletter/2020-07a.md"] = "---\ntitle: 7月号 前半\ndate: 2020-07-01T09:00\n---\n前半号です。\n"
    found["content/newsletter/2020-08a.md"] = "---\ntitle: LEAKFUTURE 8月号\ndate: 2020-08-01T09:00\n---\n"
    found["content/newsletter/2020-07x.md"] = "---\ntitle: LEAKDRAFT 号外\ndate: 2020-07-02T09:00\ndraft: true\n---\n"
    found[f"content/newsletter/{EDITION}.md"] = f"""
        ---
        title: {json.dumps(EDITION_TITLE, ensure_ascii=False)}
        summary: 後半号のまとめです。
        date: 2020-07-15T09:00
        ---
        ## 今号の見どころ

        - [注目の事例](../../cases/escaped.md)をご覧ください。
        - [外部のサイト](https://example.org/page?a=1)もどうぞ。

        <script>alert("x")</script>
        """
    for i in range(150):
        found.update(
            [news(f"bulk-{i:03d}", f"まとめて掲載したお知らせ{i:03d}" + "。" * 60, f"2020-05-{1 + i % 28:02d}T10:00")]
        )
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = new_project(tmp_path_factory.mktemp("newsletter"), files())
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["extra"]["site_builder"]["newsletter_max_items"] = 1000  # only the size limit trims
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert main(["--root", str(root), "newsletter", "build", "--edition", EDITION, "--now", BUILD_NOW]) == 0
    assert (
        main(
            [
                "--root",
                str(root),
                "newsletter",
                "build",
                "--edition",
                "bulk",
                "--from",
                "2020-05-01",
                "--to",
                "2020-05-31",
                "--now",
                "2020-06-01T09:00",
            ]
        )
        == 0
    )
    return root


def output(project: Path, name: str, edition: str = EDITION) -> Path:
    return project / "dist" / "newsletter" / edition / name


def parse_eml(project: Path, edition: str = EDITION):
    return BytesParser(policy=policy.default).parsebytes(output(project, "message.eml", edition).read_bytes())


def html_of(project: Path, edition: str = EDITION):
    return lxml.html.fromstring(output(project, "email.html", edition).read_bytes())


def test_eml_headers_and_parts(project: Path):
    raw = output(project, "message.eml").read_bytes()
    message = parse_eml(project)
    assert re.search(rb"^Subject: =\?utf-8\?[bq]\?", raw, re.M | re.I), "Subject must be RFC 2047 encoded"
    assert message["Subject"] == f"【横浜市市民協働推進センター】{EDITION_TITLE}"
    assert message["From"].addresses[0].addr_spec == "newsletter@yokohama-kyodo.example"
    assert re.fullmatch(r"<[^<>@\s]+@yokohama-kyodo\.example>", message["Message-ID"])
    assert message["Date"].datetime == dt.datetime(2020, 7, 15, 9, 0, tzinfo=dates.TOKYO)
    links = [part.strip() for part in message["List-Unsubscribe"].split(",")]
    assert [link[:9] for link in links] == ["<https://", "<mailto:u"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    canonical = lambda text: text.replace("\r\n", "\n").rstrip("\n")  # noqa: E731 (CRLF on the wire)
    assert canonical(parts[1].get_content()) == canonical(output(project, "email.html").read_text(encoding="utf-8"))
    assert canonical(parts[0].get_content()) == canonical(output(project, "email.txt").read_text(encoding="utf-8"))


def test_email_html_follows_the_mail_client_rules(project: Path):
    for edition in (EDITION, "bulk"):
        data = output(project, "email.html", edition).read_bytes()
        assert len(data) < 100_000
        root = lxml.html.fromstring(data)
        assert root.get("lang") == "ja"
        assert root.xpath("//meta[@charset]")[0].get("charset").lower() == "utf-8"
        assert root.xpath("//meta[@name='color-scheme']/@content") == ["light dark"]
        assert root.xpath("//meta[@name='supported-color-schemes']/@content") == ["light dark"]
        assert not root.xpath("//script | //link | //form | //svg | //iframe | //style | //input")
        tables = root.xpath("//table")
        assert tables and all(t.get("role") == "presentation" for t in tables)
        for element in root.xpath("//*[@width]"):
            assert element.get("width") == "100%" or int(element.get("width")) <= 600
        for style in root.xpath("//@style"):
            for value in re.findall(r"(?:^|;)\s*(?:max-)?width:\s*(\d+)px", style):
                assert int(value) <= 600
        for image in root.xpath("//img"):
            assert image.get("alt", "").strip()
            assert image.get("src").startswith("https://")
        for href in root.xpath("//a/@href"):
            assert href.startswith(("https://", "mailto:")), href
            if href.startswith(SITE) and "/unsubscribe" not in href:
                query = parse_qs(urlsplit(href).query)
                assert query["utm_source"] == ["newsletter"] and query["utm_medium"] == ["email"]
                assert query["utm_campaign"] == [edition]
    images = html_of(project).xpath("//img")
    assert [(i.get("src"), i.get("alt")) for i in images] == [
        (f"{SITE}cases/images/photo.png", "活動の様子を描いたイラスト")
    ]


def listed_titles(project: Path) -> list[str]:
    return [a.text_content() for a in html_of(project).xpath("//h3/a")]


def test_lists_only_what_is_public_at_the_send_time_in_the_period(project: Path):
    assert listed_titles(project) == [ESCAPED_TITLE, "発行時刻ちょうどのお知らせ", "期間内のお知らせ", "近日のイベント"]
    for name in ("email.html", "email.txt", "message.eml", "edition.json"):
        data = output(project, name).read_text(encoding="utf-8")
        for marker in LEAKS:
            assert marker not in data, f"{marker} in {name}"
    edition = json.loads(output(project, "edition.json").read_text(encoding="utf-8"))
    assert edition["shown"] == {"cases": 1, "news": 2, "events": 1}
    assert edition["send_at"] == "2020-07-15T09:00:00+09:00"


def test_titles_are_escaped_in_html_and_exact_in_text(project: Path):
    raw = output(project, "email.html").read_text(encoding="utf-8")
    assert "<試行>" not in raw and "<後半>" not in raw and "&lt;試行&gt; &amp;" in raw
    root = html_of(project)
    assert root.xpath("//h1")[0].text_content() == EDITION_TITLE
    assert ESCAPED_TITLE in [a.text_content() for a in root.xpath("//h3/a")]
    text = output(project, "email.txt").read_text(encoding="utf-8")
    assert f"・{ESCAPED_TITLE}\n" in text and f"{EDITION_TITLE}\n" in text
    plain = parse_eml(project).get_body(("plain",)).get_content()
    assert f"・{ESCAPED_TITLE}" in plain


def test_introduction_is_sanitized_and_its_links_absolute(project: Path):
    root = html_of(project)
    intro = root.xpath("//td[contains(@class, 'intro')]")[0]
    assert intro.xpath(".//h2")[0].text_content() == "今号の見どころ"
    hrefs = intro.xpath(".//a/@href")
    assert hrefs[0] == f"{SITE}cases/escaped/?utm_source=newsletter&utm_medium=email&utm_campaign={EDITION}"
    assert hrefs[1] == "https://example.org/page?a=1"
    assert "alert" not in output(project, "email.html").read_text(encoding="utf-8")
    text = output(project, "email.txt").read_text(encoding="utf-8")
    assert "【今号の見どころ】" in text and f"注目の事例（{hrefs[0]}）" in text and "alert" not in text


def test_size_limit_trims_items_and_links_to_the_rest(project: Path):
    edition = json.loads(output(project, "edition.json", "bulk").read_text(encoding="utf-8"))
    shown = edition["shown"]["news"]
    assert 0 < shown < 150
    assert len(output(project, "email.html", "bulk").read_bytes()) < 100_000
    more = [a for a in html_of(project, "bulk").xpath("//a") if a.text_content().startswith("もっと見る")]
    assert [a.text_content() for a in more] == [f"もっと見る（ほか{150 - shown}件）"]
    assert more[0].get("href").startswith(f"{SITE}news/?utm_source=newsletter")
    text = output(project, "email.txt", "bulk").read_text(encoding="utf-8")
    assert text.count("\n・まとめて掲載したお知らせ") == shown and f"もっと見る（ほか{150 - shown}件）" in text


# Features caniemail reports as unsupported that the email carries on purpose and
# that change nothing where they are ignored:
ACCEPTED = {
    # Requested: tells Apple Mail the design is fine in dark mode; other clients
    # ignore the tag and apply their own dark mode either way.
    "color-scheme meta tag": None,
    # Requested accessibility hint on layout tables; Windows Mail ignores it.
    "role attribute": {"outlook.windows-mail"},
    # Outlook for Mac drops <body> (caniemail also counts every <tbody>); nothing
    # is styled on it: the outer table carries the background.
    "<body> element": {"outlook.macos"},
}


def caniemail_errors(path: Path) -> dict[str, list[str]]:
    node = shutil.which("node")
    if node is None or not (PROJECT / "node_modules" / "caniemail").is_dir():
        pytest.fail("caniemail is not installed: run make test (tools/install-deps runs npm ci)")
    script = PROJECT / "tests" / "caniemail_check.mjs"
    result = subprocess.run(
        [node, str(script), str(path), "gmail.*", "outlook.*", "apple-mail.*"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["errors"]


def test_caniemail_finds_no_errors_for_gmail_outlook_and_apple_mail(project: Path, tmp_path: Path):
    careless = tmp_path / "careless.html"
    careless.write_text('<table style="display:flex"><tr><td><svg></svg></td></tr></table>', encoding="utf-8")
    assert "display:flex" in caniemail_errors(careless)["outlook.windows"]  # the checker does check
    for edition in (EDITION, "bulk"):
        errors = caniemail_errors(output(project, "email.html", edition))
        assert set(errors) > {"gmail.desktop-webmail", "outlook.windows"}  # every family was checked
        unexpected = {
            client: sorted(
                {t for t in titles if t not in ACCEPTED or (ACCEPTED[t] is not None and client not in ACCEPTED[t])}
            )
            for client, titles in errors.items()
        }
        assert {client: titles for client, titles in unexpected.items() if titles} == {}


def test_period_defaults_and_bounds():
    send = dt.datetime(2020, 7, 15, 9, 0, tzinfo=dates.TOKYO)
    previous = dt.datetime(2020, 7, 1, 9, 0, tzinfo=dates.TOKYO)
    after_previous = newsletter.edition_period(send, previous)
    assert not after_previous.contains(previous) and after_previous.contains(previous + dt.timedelta(seconds=1))
    first = newsletter.edition_period(send, None)
    assert first.contains(send - dt.timedelta(days=14)) and not first.contains(send - dt.timedelta(days=14, seconds=1))
    explicit = newsletter.edition_period(send, previous, dt.date(2020, 7, 1), dt.date(2020, 7, 10))
    assert explicit.contains(dates.as_instant(dt.date(2020, 7, 1)))
    assert explicit.contains(dt.datetime(2020, 7, 10, 23, 59, tzinfo=dates.TOKYO))
    assert not explicit.contains(dates.as_instant(dt.date(2020, 7, 11)))
    assert explicit.label(send) == "2020年7月1日(水)〜2020年7月10日(金)"


@pytest.fixture(scope="module")
def site(project: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site") / "site"
    pipeline.build_site(project, target, dates.as_instant(dates.parse_time(BUILD_NOW)))
    return target


def test_web_copies_and_archive(site: Path, project: Path):
    # Beside them, the pages after the sign-up form (site/forms.py): thanks/, confirmed/, unsubscribed/.
    assert sorted(p.name for p in (site / "newsletter").iterdir()) == sorted(
        ["2020-07a", EDITION, "index.html", "thanks", "confirmed", "unsubscribed"]
    )
    page = (site / "newsletter" / EDITION / "index.html").read_text(encoding="utf-8")
    article = lxml.html.fromstring(page).xpath("//article[contains(@class, 'sb-newsletter')]")[0]
    assert article.xpath(".//h1")[0].text_content() == EDITION_TITLE
    links = [a.text_content() for a in article.xpath(".//a[contains(@class, 'sb-card__link')]")]
    assert links == listed_titles(project)
    for marker in LEAKS:
        assert marker not in page
    assert "token=" not in page and "unsubscribe" not in page and "utm_" not in page
    archive = lxml.html.fromstring((site / "newsletter" / "index.html").read_bytes())
    assert [a.text_content() for a in archive.xpath("//a[contains(@class, 'sb-card__link')]")] == [
        EDITION_TITLE,
        "7月号 前半",
    ]
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"{SITE}newsletter/{EDITION}/" in sitemap and "2020-08a" not in sitemap and "2020-07x" not in sitemap


def test_edition_front_matter_errors_are_located(tmp_path: Path, run_cli):
    root = new_project(
        tmp_path,
        {
            "content/newsletter/2020-09a.md": "---\ntitle: 9月号\ndate: 2020-09-01\n"
            "from: 2020-08-20\nto: 2020-08-01\n---\n",
            "content/newsletter/2020-09b.md": "---\ndate: 2020-09-15\n\nsubjet: x\n---\n",
            "content/newsletter/Bad_Name.md": "---\ndate: 2020-09-01\n---\n",
        },
    )
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1
    assert "content/newsletter/2020-09a.md:5: to: to is before from" in stderr
    assert "content/newsletter/2020-09b.md:4: subjet: unknown field (did you mean 'subject'?)" in stderr
    assert "content/newsletter/Bad_Name.md:1: slug: unsafe slug 'Bad_Name'" in stderr


def test_build_refuses_a_plain_http_site(tmp_path: Path, run_cli):
    root = new_project(tmp_path)
    text = (root / "mkdocs.yml").read_text(encoding="utf-8").replace("site_url: https://", "site_url: http://")
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    code, _, stderr = run_cli("--root", root, "newsletter", "build", "--edition", "x", "--now", BUILD_NOW)
    assert code == 1 and "site_url must be an https URL" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x1e"])
def test_a_subject_with_any_line_separator_is_a_located_check_error(tmp_path, run_cli, separator):
    subject = f"9月号{separator}Bcc: everyone@example.org".encode("unicode_escape").decode()
    edition = f'---\ndate: 2020-09-01\nsubject: "{subject}"\n---\n'
    root = new_project(tmp_path, {"content/newsletter/2020-09a.md": edition})
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    name = {"\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}.get(separator, "control character")
    assert err.splitlines()[0] == (
        "content/newsletter/2020-09a.md:3: subject: must be a single line without control characters "
        f"(it goes into a mail header): U+{ord(separator):04X} {name}"
    )


def test_a_sender_or_site_name_with_a_line_separator_is_refused(tmp_path, run_cli):
    root = new_project(tmp_path)
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("site_name: 横浜市市民協働推進センター", 'site_name: "センター\\u2028Bcc: x@example.org"')
    text = text.replace(
        "newsletter_from: 横浜市市民協働推進センター <newsletter@yokohama-kyodo.example>",
        'newsletter_from: "センター\\u2029 <newsletter@yokohama-kyodo.example>"',
    )
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    assert "mkdocs.yml:5: site_name: must be a single line without control characters" in err
    assert "extra.site_builder.newsletter_from: must be a single line without control characters" in err
