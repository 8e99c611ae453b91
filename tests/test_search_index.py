"""The Pagefind index holds every public page, ordinary pages included, and nothing else."""

from __future__ import annotations

import gzip

import pytest

from tests.golden import build_sample


@pytest.fixture(scope="module")
def fragments(tmp_path_factory) -> str:
    site = build_sample(tmp_path_factory.mktemp("search"))
    texts = []
    for path in sorted((site / "pagefind").rglob("*.pf_fragment")):
        texts.append(gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace"))
    # Pagefind stores Japanese text with its word breaks as zero-width spaces.
    return "\n".join(texts).replace("\u200b", "")


def test_ordinary_pages_are_searchable(fragments: str):
    assert "対話と創造の場として、協働の取組を推進します" in fragments  # content/about.md
    assert '"title":"センターについて"' in fragments  # its heading, without a permalink mark


def test_items_are_searchable(fragments: str):
    assert "子どもの居場所が足りないという声" in fragments  # cases/kodomo-shokudo.md


def test_lists_and_unpublished_items_are_not_indexed(fragments: str):
    assert "DRAFT-SECRET" not in fragments and "FUTURE-SECRET" not in fragments
    assert "条件で絞り込む" not in fragments  # the case list's facet box is navigation, not content
