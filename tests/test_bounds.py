"""Content is input: no file may make `check` or `build` print a traceback, run out of
memory or run for minutes. Each bound (limits_* in mkdocs.yml) is a located error."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import feedparser

from site_builder import pipeline
from site_builder.channels.feeds import MAX_CATEGORIES
from site_builder.content import dates, markdown
from site_builder.content.frontmatter import ContentFileError, parse_yaml
from tests.conftest import PROJECT, scratch_config

NOW = dates.resolve_now(None)  # as `site-builder check` without --now: the clock

# Line 1 `---` … line 8 `status`; lines passed as `extra` start at line 9, the body after `---`.
CASE = """\
---
title: 地域の居場所づくり
date: 2020-07-01
summary: 子どもと高齢者が集う居場所の事例です。
partners:
  - {{name: NPO法人みなと, type: npo}}
  - {{name: 横浜市 中区役所, type: government}}
status: ongoing
{extra}---
{body}
"""


def case(extra: str = "", body: str = "本文") -> str:
    return CASE.format(extra=extra, body=body)


def with_settings(*lines: str) -> str:
    """The repository's mkdocs.yml with more ``extra.site_builder`` lines."""
    text = scratch_config()
    return text.replace("  site_builder:\n", "  site_builder:\n" + "".join(f"    {line}\n" for line in lines), 1)


_MKDOCS_LINES = scratch_config().splitlines()
# Line numbers in the repository's mkdocs.yml: the first line with_settings adds, and the
# line of markdown_extensions, where an extension that cannot be loaded is reported.
SETTINGS_LINE = _MKDOCS_LINES.index("  site_builder:") + 2
NEW_EXTENSION_LINE = _MKDOCS_LINES.index("markdown_extensions:") + 1


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))


def run_bounded(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real CLI in its own process, under 1.5 GB of address space and a timeout."""
    return subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )


BILLION_LAUGHS = "".join(
    ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)]
)


def test_an_alias_bomb_is_refused_in_bounded_time_and_memory(project):
    root = project({"cases/bomb.md": case(BILLION_LAUGHS)})
    started = time.monotonic()
    result = run_bounded(root, "check")
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "cases/bomb.md:10: front matter: YAML aliases (*a0) are not allowed; write the value out",
        "1 error; nothing was written",
    ]


def test_an_alias_is_refused_even_once_and_in_mkdocs_yml(project, run_cli):
    root = project({"cases/a.md": case("tags: &t [子ども]\nsdgs: *t\n")})
    assert pipeline.check(root, NOW).messages == [
        "cases/a.md:10: front matter: YAML aliases (*t) are not allowed; write the value out"
    ]
    (root / "cases/a.md").unlink()
    (root / "mkdocs.yml").write_text(with_settings("home_cases: &n 3", "home_news: *n"), encoding="utf-8")
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1 and "Traceback" not in stderr
    assert f"mkdocs.yml:{SETTINGS_LINE + 1}: YAML aliases (*n) are not allowed; write the value out" in stderr


def test_front_matter_nested_500_deep_is_refused_before_it_is_built(project, run_cli):
    root = project({"cases/deep.md": case("tags: " + "[" * 500 + "子ども" + "]" * 500 + "\n")})
    message = (
        "cases/deep.md:9: tags: nested more than 20 levels deep (lists and mappings inside each other); "
        "flatten it (the limit is limits_nesting_depth in mkdocs.yml)"
    )
    assert pipeline.check(root, NOW).messages == [message]
    code, _, stderr = run_cli("--root", root, "build")
    assert code == 1 and "Traceback" not in stderr and message in stderr


def test_nesting_deeper_than_libyaml_allows_is_refused_by_the_python_parser_too():
    # libyaml stops at 1,000 levels; the text then goes to PyYAML's recursive composer.
    for text in ("a: " + "[" * 5000 + "]" * 5000, "".join("  " * i + "a:\n" for i in range(1200)) + "  " * 1200 + "1"):
        try:
            parse_yaml(text, first_line=2)
        except ContentFileError as exc:
            assert exc.field == "front matter" and "nested more than 20 levels deep" in exc.message
        else:
            raise AssertionError("deep YAML was accepted")


def nested_blocks(depth: int) -> str:
    """HTML blocks with Markdown inside (md_in_html), ``depth`` inside each other: Python-Markdown
    converts each level by recursion (lists and quotes no longer, since Markdown 3.11)."""
    return '<div markdown="1">\n' * depth + "x\n" + "</div>\n" * depth


def test_a_body_nested_500_deep_is_a_check_error_and_build_does_not_crash(project, run_cli):
    root = project({"cases/deep.md": case(body=nested_blocks(500))})
    message = (
        "cases/deep.md:10: body: nested too deeply to convert (lists, quotes or HTML blocks inside each other); "
        "flatten the nesting"
    )
    assert pipeline.check(root, NOW).messages == [message]
    code, _, stderr = run_cli("--root", root, "build")
    assert code == 1 and "Traceback" not in stderr
    assert stderr.splitlines() == [message, "1 error; nothing was written"]
    assert not (root / "site").exists()


def test_a_body_nested_deep_but_within_the_limit_builds_with_the_engine_too(project, run_cli):
    # Ordinary pages are converted again by the engine (MkDocs, inside md_in_html):
    # what check accepts must not overflow there.
    deep = nested_blocks(250)
    root = project(
        {
            "cases/deep.md": case(body=deep),
            "content/deep.md": "---\ntitle: 深い\ndate: 2020-07-01\nsummary: 入れ子\n---\n" + deep,
        }
    )
    code, _, stderr = run_cli("--root", root, "build", "--quiet")
    assert code == 0, stderr
    page = (root / "site/deep/index.html").read_text(encoding="utf-8")
    body = page[page.index('<div class="sb-body"') : page.index("</main>")]  # the body, not the header
    assert body.count("<div>") == 250


def test_forty_kb_of_footnote_brackets_is_refused_at_once(project, run_cli):
    root = project({"cases/brackets.md": case(body="前書き\n\n" + "[^" * 20000)})
    message = (
        "cases/brackets.md:12: body: 20000 '[' in the paragraph on this line would make Markdown conversion "
        "take minutes; close each '[' with ']' or write \\[ for a literal bracket"
    )
    started = time.monotonic()
    assert pipeline.check(root, NOW).messages == [message]
    code, _, stderr = run_cli("--root", root, "build")
    assert time.monotonic() - started < 30
    assert code == 1 and stderr.splitlines() == [message, "1 error; nothing was written"]


def test_brackets_as_editors_write_them_convert(project):
    links = " ".join(f"[事例{i}](https://example.org/{i}) と [^{i}]" for i in range(300))
    notes = "\n".join(f"[^{i}]: 注 {i}" for i in range(300))
    root = project({"cases/links.md": case(body=f"{links} [未完のかっこ\n\n{notes}\n")})
    assert pipeline.check(root, NOW).messages == []


def slow_body() -> str:
    """A body below the bracket guard that still keeps Markdown busy for about half a second:
    a table of 2,000 columns (48 KB)."""
    body = "|a" * 2000 + "\n" + "|-" * 2000 + "\n" + ("|x" * 2000 + "\n") * 10
    assert markdown.bracket_problem(body) is None
    return body


OVERTIME = "cases/slow.md:10: body: took longer than 0.1 s to convert (limits_markdown_seconds); split or simplify it"


def test_a_body_over_the_time_budget_is_a_located_error_in_check_and_build(project, run_cli):
    root = project(
        {"mkdocs.yml": with_settings("limits_markdown_seconds: 0.1"), "cases/slow.md": case(body=slow_body())}
    )
    assert pipeline.check(root, NOW).messages == [OVERTIME]
    code, _, stderr = run_cli("--root", root, "build")
    assert code == 1 and stderr.splitlines() == [OVERTIME, "1 error; nothing was written"]


def test_the_time_budget_holds_in_worker_processes_and_off_the_main_thread(project):
    many = {f"cases/c{i:03d}.md": case(body=f"本文 {i}") for i in range(markdown.PARALLEL_FROM)}
    root = project(
        {"mkdocs.yml": with_settings("limits_markdown_seconds: 0.1"), "cases/slow.md": case(body=slow_body()), **many}
    )
    assert pipeline.check(root, NOW).messages == [OVERTIME]  # the main thread, a pool of forked workers
    assert not (root / ".cache").exists()  # check writes nothing: the thread converts everything again
    found: list[list[str]] = []
    thread = threading.Thread(target=lambda: found.append(pipeline.check(root, NOW).messages))  # as site-builder serve
    thread.start()
    thread.join(60)
    assert found == [[OVERTIME]]


def test_200000_tags_are_refused_quickly(project):
    tags = "tags: [" + ", ".join(f"タグ{i}" for i in range(200_000)) + "]\n"
    root = project({"cases/tags.md": case(tags)})
    started = time.monotonic()
    assert pipeline.check(root, NOW).messages == [
        "cases/tags.md:1: file: is more than 1024 KB, the most a content file may hold: split it into smaller "
        "files (the limit is limits_file_kb in mkdocs.yml)"
    ]
    (root / "mkdocs.yml").write_text(with_settings("limits_file_kb: 8192"), encoding="utf-8")
    assert pipeline.check(root, NOW).messages == [
        "cases/tags.md:9: tags: has 200000 entries; at most 1000 are allowed: shorten it "
        "(the limit is limits_list_items in mkdocs.yml)"
    ]
    assert time.monotonic() - started < 20


def test_a_long_list_of_partners_is_refused_with_the_list_limit(project):
    partners = "".join(f"  - {{name: 団体{i}, type: npo}}\n" for i in range(30))
    root = project(
        {
            "mkdocs.yml": with_settings("limits_list_items: 25"),
            "cases/p.md": case().replace("  - {name: NPO法人みなと, type: npo}\n", partners),
        }
    )
    assert pipeline.check(root, NOW).messages == [
        "cases/p.md:6: partners: has 31 entries; at most 25 are allowed: shorten it "
        "(the limit is limits_list_items in mkdocs.yml)"
    ]


def test_an_oversized_body_is_refused(project):
    root = project({"cases/big.md": case(body="長い本文です。\n\n" * 30_000)})
    assert pipeline.check(root, NOW).messages == [
        "cases/big.md:10: body: is 674 KB; at most 512 KB are allowed: split it into several pages "
        "(the limit is limits_body_kb in mkdocs.yml)"
    ]


def test_odd_yaml_values_are_located_errors_not_crashes(project):
    root = project(
        {
            "cases/number.md": case("sdgs: [" + "9" * 5000 + "]\n"),
            "cases/key.md": case("? [a, b]\n: c\n"),
        }
    )
    assert pipeline.check(root, NOW).messages == [
        "cases/key.md:9: front matter: a field name must be text, not a list or a mapping",
        "cases/number.md:9: sdgs[0]: is a number of 5000 characters; write it in quotes if it is text",
    ]


def test_a_pipe_named_like_a_content_file_is_an_error_not_a_hang(project):
    root = project({"cases/a.md": case()})
    os.mkfifo(root / "cases/pipe.md")
    assert pipeline.check(root, NOW).messages == [
        "cases/pipe.md:1: file: not a regular file (a folder, pipe or device); replace it with a text file"
    ]


def test_limits_are_typed_settings(project):
    root = project({"mkdocs.yml": with_settings("limits_list_items: 0", "limits_markdown_seconds: fast")})
    assert pipeline.check(root, NOW).messages == [
        f"mkdocs.yml:{SETTINGS_LINE}: extra.site_builder.limits_list_items: must be at least 1, got 0",
        f"mkdocs.yml:{SETTINGS_LINE + 1}: extra.site_builder.limits_markdown_seconds: must be a number, got 'fast'",
    ]


def test_feeds_cap_the_categories_of_an_item(project, run_cli):
    tags = "tags: [" + ", ".join(f"タグ{i}" for i in range(1000)) + "]\n"
    root = project({"cases/tags.md": case(tags)})
    started = time.monotonic()
    code, _, stderr = run_cli("--root", root, "build", "--quiet", "--now", "2026-12-01T12:00")
    assert code == 0, stderr
    assert time.monotonic() - started < 60
    (item,) = feedparser.parse((root / "site/cases/feed.xml").read_bytes()).entries
    assert [tag.term for tag in item.tags] == [f"タグ{i}" for i in range(MAX_CATEGORIES)]


def test_a_markdown_extension_that_cannot_be_loaded_is_a_located_error(project, run_cli):
    text = scratch_config().replace("  - footnotes\n", "  - footnotes\n  - footnote\n")
    root = project({"mkdocs.yml": text, "cases/a.md": case()})
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1 and "Traceback" not in stderr
    assert stderr.splitlines() == [
        f"mkdocs.yml:{NEW_EXTENSION_LINE}: markdown_extensions: cannot be loaded "
        "(ModuleNotFoundError: No module named 'footnote'); fix the extension's name or options",
        "1 error; nothing was written",
    ]
