"""Containment: content can publish nothing from outside the content folders.

Tried as an attacker with an editor's account would: traversal in the front matter
and in every body syntax, a symlink to the process environment holding a secret,
a symlinked image folder, files beside a draft page. Each is a located error from
``check`` (and so from ``build``, which writes nothing), or simply never published.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SECRET = "sb-secret-token-4711"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
CASE = """
    ---
    title: 事例
    date: 2020-07-01T10:00
    summary: 事例の概要です。
    partners:
      - {{name: 団体A, type: npo}}
      - {{name: 横浜市, type: government}}
    status: ongoing
    {image}
    ---

    {body}
"""
PAGE = """
    ---
    title: {title}
    date: {date}
    summary: ページの概要です。
    draft: {draft}
    ---

    {body}
"""


def case(image: str = "", body: str = "本文") -> str:
    front = f"image: {image}\n    image_alt: 画像" if image else ""
    return CASE.format(image=front, body=body.replace("\n", "\n    "))  # dedented with the template


def page(title: str = "ページ", date: str = "2020-01-01", draft: str = "false", body: str = "本文") -> str:
    return PAGE.format(title=title, date=date, draft=draft, body=body.replace("\n", "\n    "))


@pytest.fixture
def attack(project, run_cli):
    """A scratch project with a secret in .git/config; returns (root, check, build)."""

    def make(files: dict) -> tuple[Path, tuple[int, str, str], tuple[int, str, str]]:
        root = project({".git/config": f"[http]\n\textraheader = AUTHORIZATION: basic {SECRET}\n", **files})
        checked = run_cli("--root", root, "check")
        built = run_cli("--root", root, "build", "--now", "2020-07-20T12:00", "--quiet")
        return root, checked, built

    return make


def published_text(site: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()) if site.exists() else b""


def outside(target: str) -> str:
    return (
        f"{target!r} leads outside the content folders (cases/, content/, events/); put the file next to this one "
        "(e.g. images/…) and refer to it there, or link to a page by its address from the top (e.g. /cases/)"
    )


def test_a_front_matter_image_that_climbs_out_is_refused(attack):
    root, (code, _, err), (build_code, _, _) = attack(
        {
            "cases/a.md": case(image="../../../../../../etc/passwd"),
            "cases/b.md": case(image="../.git/config"),
        }
    )
    assert code == 1 and build_code == 1
    assert err.splitlines()[:2] == [
        f"cases/a.md:9: image: {outside('../../../../../../etc/passwd')}",
        f"cases/b.md:9: image: {outside('../.git/config')}",
    ]
    assert not (root / "site").exists()


def test_traversal_in_every_body_syntax_is_refused_on_its_line(attack):
    body = "\n".join(
        [
            "インライン ![地図](../../../../../../etc/passwd)",
            "",
            "参照形式の[設定][git]",
            "",
            '<p><img src="../.git/config" alt="生"></p>',
            "",
            '<a href="../../../../../../etc/hostname">生のリンク</a>',
            "",
            "[git]: ../../../../../../etc/group",
        ]
    )
    _, (code, _, err), _ = attack({"cases/a.md": case(body=body)})
    assert code == 1
    assert err.splitlines() == [
        f"cases/a.md:12: body: {outside('../../../../../../etc/passwd')}",
        f"cases/a.md:16: body: {outside('../.git/config')}",
        f"cases/a.md:18: body: {outside('../../../../../../etc/hostname')}",
        f"cases/a.md:20: body: {outside('../../../../../../etc/group')}",
        "4 errors; nothing was written",
    ]


def test_an_ordinary_page_may_not_climb_out_either(attack):
    _, (code, _, err), _ = attack({"content/about.md": page(body="![x](../../../../../../etc/passwd)")})
    assert code == 1
    assert err.splitlines()[0] == f"content/about.md:8: body: {outside('../../../../../../etc/passwd')}"


def test_a_symlink_to_the_environment_is_refused_and_the_secret_never_published(project, run_cli, monkeypatch):
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc/self/environ on this system")
    monkeypatch.setenv("SITE_BUILDER_TEST_SECRET", SECRET)
    root = project(
        {
            "cases/a.md": case(image="images/env.png", body="![環境](images/env.png)"),
            "content/about.md": page(body="[環境](env.txt)"),
        }
    )
    (root / "cases/images").mkdir()
    os.symlink("/proc/self/environ", root / "cases/images/env.png")
    os.symlink("/proc/self/environ", root / "content/env.txt")
    code, _, err = run_cli("--root", root, "check")
    assert code == 1 and "cases/images/env.png:1: file: symbolic links are not allowed" in err
    build_code, _, _ = run_cli("--root", root, "build", "--now", "2020-07-20T12:00", "--quiet")
    assert build_code == 1 and not (root / "site").exists()
    assert SECRET.encode() not in published_text(root / "site")


def test_symlinks_are_reported_with_their_paths(attack, run_cli, tmp_path):
    outside_folder = tmp_path / "elsewhere"
    outside_folder.mkdir()
    (outside_folder / "photo.png").write_bytes(PNG)
    root, _, _ = attack({"cases/a.md": case()})
    os.symlink(outside_folder, root / "cases/images")
    os.symlink("/proc/self/environ", root / "content/env.txt")
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    message = "symbolic links are not allowed in the content folders; put the file itself here instead"
    assert err.splitlines() == [
        f"cases/images:1: file: {message}",
        f"content/env.txt:1: file: {message}",
        "2 errors; nothing was written",
    ]


def test_files_beside_a_draft_or_future_page_are_not_published(attack):
    root, (code, _, err), (build_code, _, build_err) = attack(
        {
            "content/plans/index.md": page(title="計画", draft="true"),
            "content/plans/budget.pdf": b"%PDF-1.4 draft budget\n",
            "content/later/index.md": page(title="予告", date="2030-01-01"),
            "content/later/flyer.pdf": b"%PDF-1.4 future flyer\n",
            "content/guide/index.md": page(title="案内", body="[地図](../files/map.pdf)"),
            "content/guide/access.pdf": b"%PDF-1.4 access\n",
            "content/files/map.pdf": b"%PDF-1.4 map\n",
            "content/files/unused.pdf": b"%PDF-1.4 unused\n",
        }
    )
    assert (code, build_code) == (0, 0), err + build_err
    site = root / "site"
    published = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.pdf"))
    assert published == ["files/map.pdf", "guide/access.pdf"]
    assert b"draft budget" not in published_text(site) and b"future flyer" not in published_text(site)


def test_the_resolver_copies_nothing_from_outside_even_without_the_check(project, tmp_path):
    from site_builder.content.links import Resolver

    root = project({"cases/a.md": case()})
    (tmp_path / "secret.txt").write_text(SECRET)
    resolver = Resolver(root, {})
    linked = resolver.link_body(root / "cases/a.md", f'<a href="../../{tmp_path.name}/secret.txt">x</a>')
    assert linked.files == () and linked.html(str) == f'<a href="../../{tmp_path.name}/secret.txt">x</a>'


def test_a_draft_is_never_copied_as_a_file_whatever_the_spelling(attack):
    from site_builder.content.links import Resolver

    draft = case(body="下書きの本文 DRAFT-BODY-7").replace("status: ongoing", "status: ongoing\n    draft: true")
    body = "[a](secret.md/) [b](secret.md/.) [c](./secret.md#x)"
    root, (code, _, err), (build_code, _, _) = attack({"cases/secret.md": draft, "cases/a.md": case(body=body)})
    assert (code, build_code) == (1, 1)  # every spelling is a link to the draft (content/link_check.py)
    assert err.splitlines()[0].startswith("cases/a.md:12: body: link target cases/secret.md is a draft")
    assert b"DRAFT-BODY-7" not in published_text(root / "site")
    # Without the check, the resolver still makes none of them a file to copy.
    html = '<a href="secret.md/">a</a><a href="secret.md/.">b</a><a href="./secret.md#x">c</a>'
    linked = Resolver(root, {}).link_body(root / "cases/a.md", html)
    assert linked.files == () and linked.html(str) == html


def test_an_ordinary_pages_own_image_is_published_even_beside_a_draft(attack):
    about = page(title="センターについて").replace(
        "draft: false", "draft: false\n    image: images/about.png\n    image_alt: 外観"
    )
    root, (code, _, err), (build_code, _, build_err) = attack(
        {
            "content/about.md": about,
            "content/images/about.png": PNG,
            "content/secret.md": page(title="下書き", draft="true"),
        }
    )
    assert (code, build_code) == (0, 0), err + build_err
    assert (root / "site/images/about.png").read_bytes() == PNG
    assert (
        'content="https://www.yokohama-kyodo.example/images/about.png"' in (root / "site/about/index.html").read_text()
    )


def test_raw_attributes_in_any_quoting_are_checked(attack):
    body = "\n".join(
        [
            "<img src='../../../../../../etc/passwd' alt='一重引用符'>",
            "",
            "<p><a href=../.git/config>引用符なし</a></p>",
        ]
    )
    _, (code, _, err), _ = attack({"cases/a.md": case(body=body)})
    assert code == 1
    assert err.splitlines()[:2] == [
        f"cases/a.md:12: body: {outside('../../../../../../etc/passwd')}",
        f"cases/a.md:14: body: {outside('../.git/config')}",
    ]


def test_percent_encoded_traversal_is_refused(attack):
    _, (code, _, err), _ = attack({"cases/a.md": case(body="[逃げる](%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd)")})
    assert code == 1 and "leads outside the content folders" in err


def test_percent_encoded_names_of_pages_and_files_resolve(attack):
    root, (code, _, err), (build_code, _, build_err) = attack(
        {
            "content/guide.md": page(body="[報告書](report%202020.pdf) [あ](%E3%81%82.md)"),
            "content/report 2020.pdf": b"%PDF-1.4 report\n",
            "content/あ.md": page(title="あ").replace("draft: false", "draft: false\n    slug: a-page"),
        }
    )
    assert (code, build_code) == (0, 0), err + build_err
    html = (root / "site/guide/index.html").read_text(encoding="utf-8")
    assert (root / "site/report 2020.pdf").is_file() and 'href="../a-page/"' in html
    assert (root / "site/a-page/index.html").is_file()  # the page is where its links point
