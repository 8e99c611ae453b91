"""The newsletter's page generator: the web copy of each edition sent by now (no
personal links) and the archive バックナンバー at ``/newsletter/``."""

from __future__ import annotations

from site_builder.context import Build, WebPage
from site_builder.newsletter.editions import site_editions
from site_builder.site.pages import NEWSLETTER_ARCHIVE_URL
from site_builder.site.render import SiteRenderer

ARCHIVE_URL = NEWSLETTER_ARCHIVE_URL


def newsletter_pages(site: SiteRenderer) -> list[WebPage]:
    weeks = site.config.settings.newsletter.upcoming_weeks
    editions = site_editions(site.published, weeks, site.config.site_name)
    pages = [
        site.page(
            e.web_url,
            e.title,
            "newsletter.html",
            description=e.summary,
            og_type="article",
            edition=e,
            body=site.body(e.entry),
        )
        for e in editions
    ]
    if editions:
        pages.append(site.page(ARCHIVE_URL, "メールマガジン バックナンバー", "newsletter_list.html", editions=editions))
    return pages


def site_paths(build: Build) -> list[str]:
    """The site paths :func:`newsletter_pages` writes (for the link check, without rendering):
    the web copy of each edition sent by now, and the archive when there is one."""
    urls = [entry.url for entry in build.published.editions]
    return [*urls, ARCHIVE_URL] if urls else []
