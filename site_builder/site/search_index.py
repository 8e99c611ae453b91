"""The search index: Pagefind over the finished HTML, with Japanese segmentation.

Pagefind reads only what was published, so drafts and scheduled items can never
reach the index; it runs last, once every file is written and the pipeline has
given back the pages' HTML, because Pagefind (with its Japanese dictionary) is the
build's largest process. Headings' permalink marks and footnotes' back links are left
out of the index, so result titles and excerpts read as the page does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

BUNDLE = "pagefind"  # the bundle's folder in the site
ENTRY = f"{BUNDLE}/pagefind-entry.json"
# What pages show but a search result must not: the permalink mark (¶) beside each heading,
# the way back (↩) from each footnote.
EXCLUDE_SELECTORS = (".headerlink", ".footnote-backref")


class SearchIndexError(Exception):
    pass


def pagefind_executable() -> str:
    import pagefind_bin_extended  # the extended build segments Japanese words

    return str(pagefind_bin_extended.get_executable())


def start_search_index(site: Path, bundle: str = BUNDLE) -> subprocess.Popen:
    """Start indexing every page under ``site`` into its folder ``bundle``; :func:`finish_search_index` waits."""
    command = [pagefind_executable(), "--site", str(site), "--output-subdir", bundle, "--silent"]
    for selector in EXCLUDE_SELECTORS:
        command += ["--exclude-selectors", selector]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_search_index(process: subprocess.Popen) -> None:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SearchIndexError(f"pagefind failed:\n{stdout}{stderr}".rstrip())


def build_search_index(site: Path) -> None:
    finish_search_index(start_search_index(site))


def loaded_at_run_time(site: Path) -> dict[str, list[str]]:
    """``{entry file: files}``: what Pagefind's script loads, once it has read its entry file,
    by names it computes (no page names them): per language its metadata and its wasm
    (``wasm.unknown`` when the language has none of its own), and every file of the bundle's
    folders: the index, fragment and filter chunks its metadata names. For site/prune.py."""
    entry = site / ENTRY
    languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
    loaded = set()
    for language in languages.values():
        loaded.add(f"{BUNDLE}/pagefind.{language['hash']}.pf_meta")
        loaded.add(f"{BUNDLE}/wasm.{language.get('wasm') or 'unknown'}.pagefind")
    for folder in sorted(path for path in (site / BUNDLE).iterdir() if path.is_dir()):
        loaded.update(path.relative_to(site).as_posix() for path in folder.rglob("*") if path.is_file())
    return {ENTRY: sorted(loaded)}
