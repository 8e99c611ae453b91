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
    try:
        import pagefind_bin_extended as binary  # Japanese/Chinese word segmentation
    except ImportError:
        import pagefind_bin as binary
    return str(binary.get_executable())


def build_search_index(site: Path) -> None:
    command = [pagefind_executable(), "--site", str(site), "--output-subdir", "pagefind", "--silent"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed:\n{result.stdout}{result.stderr}".rstrip())
