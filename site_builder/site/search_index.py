"""The search index: Pagefind over the finished HTML, with Japanese segmentation.

Pagefind reads only what was published, so drafts and scheduled items can never
reach the index; it runs last, once every file is written and the pipeline has
given back the pages' HTML, because Pagefind (with its Japanese dictionary) is the
build's largest process. Headings' permalink marks are left out of the index, so
result titles and excerpts read as the page does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# What pages show but a search result must not: the permalink mark (¶) beside each heading.
EXCLUDE_SELECTORS = (".headerlink",)


class SearchIndexError(Exception):
    pass


def pagefind_executable() -> str:
    import pagefind_bin_extended  # the extended build segments Japanese words

    return str(pagefind_bin_extended.get_executable())


def start_search_index(site: Path) -> subprocess.Popen:
    """Start indexing every page under ``site``; :func:`finish_search_index` waits."""
    command = [pagefind_executable(), "--site", str(site), "--output-subdir", "pagefind", "--silent"]
    for selector in EXCLUDE_SELECTORS:
        command += ["--exclude-selectors", selector]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_search_index(process: subprocess.Popen) -> None:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SearchIndexError(f"pagefind failed:\n{stdout}{stderr}".rstrip())


def build_search_index(site: Path) -> None:
    finish_search_index(start_search_index(site))
