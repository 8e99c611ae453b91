"""The search index: Pagefind over the finished HTML, with Japanese segmentation.

Pagefind reads only what was published, so drafts and scheduled items can never
reach the index; it runs after every page is written.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class SearchIndexError(Exception):
    pass


def pagefind_executable() -> str:
    import pagefind_bin_extended  # the extended build segments Japanese words

    return str(pagefind_bin_extended.get_executable())


def build_search_index(site: Path) -> None:
    command = [pagefind_executable(), "--site", str(site), "--output-subdir", "pagefind", "--silent"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed:\n{result.stdout}{result.stderr}".rstrip())
