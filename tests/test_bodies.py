"""Every body is converted once per run (site_builder/content/bodies.py): in worker
processes while the files are read, or in this process for a small project, with the
same errors and warnings; a build takes the check's conversions instead of converting
again, and keeps them as the cache."""

from __future__ import annotations

import json

from site_builder import pipeline
from site_builder.content import bodies, dates
from site_builder.context import Progress
from tests.test_bounds import case

NOW = dates.resolve_now("2026-12-01T12:00")
BODIES = [
    "本文 {i}",
    '<p onclick="alert({i})">段落 {i}</p>\n\n<script>alert({i})</script>',
    "[未公開の事例](missing-{i}.md) と [一覧](/cases/) と [なし](/nowhere-{i}/)",
    "[^" * 30000,  # refused before conversion: too many brackets
    '<a href="javascript:alert({i})">リンク</a> と <iframe src="https://evil.example/{i}"></iframe>',
]


def many_cases(count: int) -> dict[str, str]:
    return {f"cases/c{i:03d}.md": case(body=BODIES[i % len(BODIES)].format(i=i)) for i in range(count)}


def test_workers_report_what_this_process_reports(project, monkeypatch):
    root = project(many_cases(bodies.PARALLEL_FROM + 30))  # a fifth of them refused before converting
    monkeypatch.setattr(bodies, "_workers", lambda: 2)
    started = []
    start_pool = bodies.BodyConversion._start_pool
    monkeypatch.setattr(bodies.BodyConversion, "_start_pool", lambda self: started.append(1) or start_pool(self))
    parallel = pipeline.check(root, NOW)
    monkeypatch.setattr(bodies, "PARALLEL_FROM", 10**9)
    alone = pipeline.check(root, NOW)
    assert started == [1]  # the first run had workers, the second none
    assert parallel.messages == alone.messages and parallel.warning_messages == alone.warning_messages
    assert parallel.errors == alone.errors  # in the same order, too
    assert len(parallel.messages) > 40 and len(parallel.warning_messages) > 40
    assert any("'[' in the paragraph" in message for message in parallel.messages)


def test_a_build_converts_each_body_once_and_keeps_them_as_the_cache(project, monkeypatch):
    files = many_cases(20)
    files.update({name: case(body=f"[一覧](/cases/) の {i}") for i, name in enumerate(files) if i % 5 in (2, 3)})
    files.update({"cases/same-a.md": files["cases/c000.md"], "cases/same-b.md": files["cases/c000.md"]})
    files["cases/draft.md"] = case(extra="draft: true\n", body="下書きの本文")
    root = project(files)
    converted: list[str] = []
    convert = bodies.convert_bounded
    monkeypatch.setattr(
        bodies, "convert_bounded", lambda text, seconds: converted.append(text) or convert(text, seconds)
    )
    build = pipeline.prepare(root, NOW, Progress(quiet=True))
    assert len(converted) == len(set(converted)) == 21  # 23 files, 3 of them the same text: no body twice
    cache = json.loads((root / ".cache/site-builder/markdown.json").read_text(encoding="utf-8"))
    assert len(cache) == 20  # every public body, not the draft's
    assert "/cases/c004/" in build.bodies and "/cases/draft/" not in build.bodies
    converted.clear()
    pipeline.prepare(root, NOW, Progress(quiet=True))
    assert converted == ["下書きの本文\n"]  # the cache serves the rest
