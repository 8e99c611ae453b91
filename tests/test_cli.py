"""The command line: `build` (publishing rule, atomicity) and `serve`, run for real (`new`: test_new.py)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from site_builder.cli import main
from site_builder.commands import serve
from tests.conftest import new_project

EARLY, LATE = "2020-08-01T00:00", "2020-10-01T00:00"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

# Markers that must appear in no public file: in titles, summaries, bodies, tags, slugs.
SECRET = ("zqsecretdraft", "hidden-draft-zq", "zqsecretevent", "draft-event-zq", "zqsecretpage", "draft-page-zq")
SCHEDULED = ("zqscheduledcase", "later-case-zq", "zqschedulednews", "later-news-zq")
FILES = {
    "content/index.md": "---\ntitle: 横浜市市民協働推進センター\ndate: 2020-06-01\n"
    "summary: 協働を楽しもう\n---\nようこそ\n",
    "cases/open-case.md": """\
        ---
        title: 公開中の事例 zqpubliccase
        date: 2020-07-01
        summary: 公開中の事例の概要
        partners:
          - {name: NPO法人みなと, type: npo}
          - {name: 横浜市, type: government}
        status: ongoing
        ---
        公開中の事例の本文 zqpublicbody
        """,
    "cases/hidden-draft-zq.md": """\
        ---
        title: 下書きの事例 zqsecretdraft
        date: 2020-07-01
        summary: まだ公開しない zqsecretdraft
        draft: true
        tags: [zqsecretdraft]
        partners:
          - {name: zqsecretdraft 協働先, type: npo}
          - {name: 横浜市, type: government}
        status: planning
        ---
        下書きの本文 zqsecretdraft
        """,
    "cases/later-case-zq.md": """\
        ---
        title: 予定の事例 zqscheduledcase
        date: 2020-09-01T10:00
        summary: 9月に公開 zqscheduledcase
        partners:
          - {name: A, type: npo}
          - {name: B, type: company}
        status: planning
        ---
        予定の本文 zqscheduledcase
        """,
    "content/news/later-news-zq.md": "---\ntitle: 予定のお知らせ zqschedulednews\ndate: 2020-09-01\n"
    "summary: zqschedulednews\n---\nzqschedulednews\n",
    "events/draft-event-zq.md": """\
        ---
        title: 下書きのイベント zqsecretevent
        date: 2020-07-01
        summary: zqsecretevent
        draft: true
        start: 2020-08-20T18:30
        venue: zqsecretevent 会場
        ---
        zqsecretevent
        """,
    "events/open-event.md": """\
        ---
        title: 公開中のイベント
        date: 2020-07-01
        summary: 公開中のイベントの概要
        start: 2020-08-20T18:30
        online: true
        ---
        """,
    "content/draft-page-zq.md": "---\ntitle: 下書きのページ zqsecretpage\ndate: 2020-07-01\n"
    "summary: zqsecretpage\ndraft: true\n---\nzqsecretpage\n",
}


def cli(*args: object) -> int:
    return main([str(arg) for arg in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One project built twice: `--now` (which wins over the environment) before the
    scheduled items' date, then with only `SITE_BUILDER_NOW` after it."""
    base = tmp_path_factory.mktemp("publish")
    root = base / "project"
    root.mkdir()
    new_project(root, FILES)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SITE_BUILDER_NOW", LATE)
        assert cli("--root", root, "build", "--quiet", "--site-dir", base / "early", "--now", EARLY) == 0
        assert cli("--root", root, "build", "--quiet", "--site-dir", base / "late") == 0
    return root, base / "early", base / "late"


def public_text(site: Path) -> dict[str, str]:
    """Every file under ``site`` as text; gzip files (Pagefind's index and fragments,
    sitemap.xml.gz) decompressed first."""
    texts = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            texts[path.relative_to(site).as_posix()] = data.decode("utf-8", errors="replace")
    return texts


def sitemap_urls(site: Path) -> list[str]:
    tree = lxml.etree.parse(str(site / "sitemap.xml"))
    return tree.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)


def page_title(site: Path, url: str) -> str:
    tree = lxml.html.parse(str(site / url.strip("/") / "index.html"))
    return tree.xpath("string(//h1)").strip()


def files_with(texts: dict[str, str], marker: str) -> list[str]:
    return [name for name, text in texts.items() if marker in text]


def test_build_writes_the_site(built):
    _, early, _ = built
    assert page_title(early, "/cases/open-case/") == "公開中の事例 zqpubliccase"
    assert (early / "events" / "open-event" / "index.html").is_file()
    assert any(url.endswith("/cases/open-case/") for url in sitemap_urls(early))
    fragments = [p for p in (early / "pagefind").rglob("*.pf_fragment")]
    assert fragments, "Pagefind wrote no fragments"
    # Positive control: the public page is found in the search fragments, so the
    # searches for secret markers below do look inside them.
    assert any(name.endswith(".pf_fragment") for name in files_with(public_text(early), "zqpublicbody"))


@pytest.mark.parametrize("marker", SECRET + SCHEDULED)
def test_draft_and_scheduled_items_appear_in_no_output(built, marker):
    _, early, _ = built
    assert files_with(public_text(early), marker) == []
    assert not any(marker in url for url in sitemap_urls(early))


def test_no_page_folder_for_draft_or_scheduled_items(built):
    _, early, _ = built
    pages = sorted(p.parent.relative_to(early).as_posix() for p in early.rglob("index.html"))
    assert "cases/open-case" in pages
    assert [p for p in pages if any(slug in p for slug in SECRET + SCHEDULED)] == []


def test_a_later_now_publishes_the_scheduled_items_but_never_drafts(built):
    _, _, late = built
    assert page_title(late, "/cases/later-case-zq/") == "予定の事例 zqscheduledcase"
    assert page_title(late, "/news/later-news-zq/") == "予定のお知らせ zqschedulednews"
    urls = sitemap_urls(late)
    assert any(url.endswith("/cases/later-case-zq/") for url in urls)
    assert any(url.endswith("/news/later-news-zq/") for url in urls)
    texts = public_text(late)
    assert any(name.endswith(".pf_fragment") for name in files_with(texts, "zqscheduledcase"))
    assert "zqscheduledcase" in texts["cases/index.html"]
    for marker in SECRET:
        assert files_with(texts, marker) == [], marker


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@pytest.fixture
def last_good(built, tmp_path):
    """A copy of the project and of a good build of it, to break one of them."""
    root, early, _ = built
    shutil.copytree(root, tmp_path / "project")
    shutil.copytree(early, tmp_path / "site")
    return tmp_path / "project", tmp_path / "site"


def test_content_error_fails_the_build_and_leaves_the_site_untouched(last_good, capsys):
    root, site = last_good
    before = tree_hash(site)
    (root / "cases" / "open-case.md").write_text(
        (root / "cases" / "open-case.md").read_text(encoding="utf-8").replace("status: ongoing", "status: done"),
        encoding="utf-8",
    )
    (root / "events" / "broken.md").write_text("---\ntitle: [壊れた\n---\n", encoding="utf-8")
    assert cli("--root", root, "build", "--quiet", "--site-dir", site, "--now", EARLY) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "cases/open-case.md:8: status: must be one of 'proposal', 'planning', 'ongoing' or 'completed', got 'done'",
        "events/broken.md:2: front matter: '[' is not closed; end it with ']' on the same line, "
        "or put the value in quotes if it is text",
        "2 errors; nothing was written",
    ]
    assert tree_hash(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["project", "site"]


def test_engine_failure_leaves_the_site_untouched(last_good, capsys):
    root, site = last_good
    before = tree_hash(site)
    (root / "theme" / "overrides" / "main.html").write_text(
        "{% extends 'base.html' %}{% block content %}{% endfor %}", encoding="utf-8"
    )
    assert cli("--root", root, "build", "--quiet", "--site-dir", site, "--now", EARLY) == 1
    err = capsys.readouterr().err
    # One `error:` line from us, followed by the engine's own report of the template.
    assert err.startswith("error: mkdocs build failed") and "endfor" in err
    assert tree_hash(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["project", "site"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only, never a proxy


def stop(process: subprocess.Popen) -> None:
    """End a started ``serve``, killing it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fetch(url: str) -> str:
    with LOCAL.open(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (urllib.error.URLError, ConnectionError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_rebuilds_on_save_and_reloads(built, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(built[0], root)
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("site-builder")),
        "--root",
        str(root),
        "serve",
        "--port",
        str(port),
        "--now",
        EARLY,
    ]
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/"), 60, "the preview to answer")
        page = fetch(base + "/cases/open-case/")
        assert "公開中の事例 zqpubliccase" in page
        assert "fetch('/__build__'" in page and "location.reload()" in page
        version = fetch(base + "/__build__")
        case = root / "cases" / "open-case.md"
        case.write_text(
            case.read_text(encoding="utf-8").replace("公開中の事例 zqpubliccase", "改題した事例 zqrenamed"),
            encoding="utf-8",
        )
        page = wait_for(
            lambda: (lambda text: text if "zqrenamed" in text else None)(fetch(base + "/cases/open-case/")),
            30,
            "the new title",
        )
        assert lxml.html.fromstring(page).xpath("string(//h1)").strip() == "改題した事例 zqrenamed"
        assert "zqpubliccase" not in page
        assert "fetch('/__build__'" in page
        # The page is published a moment before the preview counts the new build.
        wait_for(lambda: fetch(base + "/__build__") != version, 10, "the build counter to move")
    finally:
        stop(process)
        log.close()


def test_serve_answers_an_unknown_path_with_the_sites_404_page(built):
    """The real preview server (in a thread, on a free port) over a built site."""
    root, early, _ = built
    preview = serve.Preview(root, EARLY)
    preview.site = early
    server = serve.make_server(preview, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as answer:
            fetch(base + "/nothere/")
        assert answer.value.code == 404
        assert answer.value.headers["Content-Type"] == "text/html; charset=utf-8"
        body = answer.value.read()
        assert body == (early / "404.html").read_bytes().replace(b"</body>", serve.RELOAD_SCRIPT + b"</body>", 1)
        assert "fetch('/__build__'" in body.decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as answer:
            LOCAL.open(urllib.request.Request(base + "/nothere.css", method="HEAD"), timeout=5)
        assert answer.value.code == 404 and answer.value.read() == b""
        assert "公開中の事例 zqpubliccase" in fetch(base + "/cases/open-case/")
    finally:
        server.shutdown()
        server.server_close()
