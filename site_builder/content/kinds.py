"""The content types: where editors keep each kind of file and where its pages go.

This is the one table of content folders. The readers, the engine's docs tree,
``site-builder new``, the preview's file watcher and the link resolver all read
it; adding a content type is one model (``models.py``) and one line here, plus its
page generator in :data:`site_builder.pipeline.PAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.content.forms import PRIVACY_PAGE, SERVER_PAGES
from site_builder.content.models import Case, Edition, Event, IssuePage, Item, News, Page


@dataclass(frozen=True)
class Kind:
    """A content type: its model, its folder (relative to the project) and URL prefix."""

    name: str
    model: type[Item] | type[Edition]
    folder: str
    url_prefix: str

    def paths(self, root: Path) -> list[Path]:
        """The kind's Markdown files; ordinary pages are every ``.md`` under ``content/``
        outside the other kinds' folders and the data folder."""
        folder = root / self.folder
        if self is not PAGE:
            return sorted(folder.glob("*.md"))
        return [path for path in sorted(folder.rglob("*.md")) if path.relative_to(folder).parts[0] not in NOT_PAGES]


CASE = Kind("case", Case, "cases", "/cases/")
EVENT = Kind("event", Event, "events", "/events/")
NEWS = Kind("news", News, "content/news", "/news/")
ISSUE = Kind("issue", IssuePage, "content/issues", "/issues/")
PAGE = Kind("page", Page, "content", "/")
# Newsletter editions: no feeds, API or SNS; their web copies are newsletter/pages.py's.
EDITION = Kind("edition", Edition, "content/newsletter", "/newsletter/")

KINDS = (CASE, EVENT, NEWS, ISSUE, PAGE, EDITION)
ITEM_KINDS = (CASE, EVENT, NEWS, ISSUE)  # listed, in feeds, the API and the SNS queue
DATA_FOLDER = "content/data"  # issue-page datasets: published only beside the pages that use them
# Folders under content/ that hold no ordinary pages (and whose files the engine does not publish).
NOT_PAGES = tuple(
    sorted(
        {kind.folder.split("/", 1)[1] for kind in KINDS if kind.folder.startswith("content/")}
        | {DATA_FOLDER.split("/", 1)[1]}
    )
)
# What editors write: the preview rebuilds when anything below these changes.
SOURCE_FOLDERS = tuple(sorted({kind.folder.split("/", 1)[0] for kind in KINDS}))
# Site paths the generated pages own: no ordinary page or edition may take them (the forms'
# pages are reserved even while server_url is unset, so that setting it breaks nothing).
RESERVED_URLS = (
    *(kind.url_prefix for kind in KINDS if kind is not PAGE),
    "/api/",
    "/search/",
    "/pagefind/",
    "/assets/",
    "/subscribe/",
    PRIVACY_PAGE,
    *SERVER_PAGES,
)


def kind_of_folder(relative: Path) -> Kind | None:
    """The kind whose folder holds ``relative`` (a path inside the project), deepest first."""
    parts = relative.parts
    for kind in sorted(KINDS, key=lambda k: -len(k.folder)):
        folder = tuple(kind.folder.split("/"))
        if parts[: len(folder)] == folder and len(parts) > len(folder):
            return kind
    return None
