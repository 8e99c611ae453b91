"""The golden build: tests/sample_site/ built at a fixed time, reduced to what we own.

Run ``python -m tests.golden`` (or ``make golden``) to regenerate tests/golden/
after an intended change; ``tests/test_golden.py`` compares a fresh build with it.
Each page is reduced to its title, head metadata and main region (breadcrumbs,
table of contents, body): the header and footer, the same on every page, are
left out. File list and sitemap are kept byte for byte.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from site_builder import pipeline
from site_builder.content import dates

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
NOW = "2020-07-20T12:00"
_HEAD = re.compile(
    r'^\s*(<meta (?:name|property)="(?:description|robots|og:|twitter:)[^>]*>|'
    r'<link rel="(?:canonical|alternate)"[^>]*>|<script type="application/ld\+json">.*</script>)\s*$',
    re.M,
)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_MAIN = re.compile(r'<main id="sb-main"[^>]*>(.*)</main>', re.S)
# A form token's signature depends on the machine's secret (state/form-secret): kept out.
_TOKEN_SIGNATURE = re.compile(r'(name="form_token" value="\d+\.[a-z]+\.)[0-9a-f]{64}"')
# api/schema/ is pydantic's rendering of our models: tests/test_api.py validates
# the API against it, and a pydantic release may reword it without any change of ours.
SKIPPED = ("pagefind/", "assets/", "search/", "404.html", "sitemap.xml.gz", "api/schema/", "admin/")


def sample_project(project: Path) -> Path:
    """A new project at ``project``: this project's theme and config, the sample site's content."""
    from tests.conftest import SAMPLE_SITE, new_project

    project.mkdir(parents=True)
    new_project(project, own_content=True)
    for folder in ("cases", "events", "content"):
        shutil.rmtree(project / folder)
        shutil.copytree(SAMPLE_SITE / folder, project / folder)
    return project


def build_sample(target: Path) -> Path:
    """Build the sample site with this project's theme and config into ``target``."""
    project = sample_project(target / "project")
    site = target / "site"
    pipeline.build_site(project, site, dates.as_instant(dates.parse_time(NOW)))
    return site


def reduce(site: Path) -> dict[str, str]:
    """``{relative path: text}`` of what the golden test compares."""
    files: dict[str, str] = {}
    listing = []
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        if path.is_dir() or relative.startswith(SKIPPED):
            continue
        listing.append(relative)
        text = path.read_text(encoding="utf-8") if path.suffix in (".html", ".xml", ".json", ".ics", ".txt") else None
        if path.suffix == ".html":
            title = _TITLE.search(text)
            head = "\n".join(m.strip() for m in _HEAD.findall(text))
            main = _MAIN.search(text)
            body = _TOKEN_SIGNATURE.sub(r'\1(signature)"', main[1].strip() if main else "")
            files[relative + ".txt"] = f"<title>{title[1] if title else ''}</title>\n{head}\n-----\n{body}\n"
        elif text is not None:
            files[relative] = text
    files["FILES.txt"] = "\n".join(listing) + "\n"
    return files


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as work:
        files = reduce(build_sample(Path(work)))
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name, text in files.items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
