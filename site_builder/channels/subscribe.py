"""The channels page 「メール・RSS・カレンダーで受け取る」 at ``/subscribe/``.

How a reader receives what the centre publishes without coming back to the site: the
newsletter (its sign-up form while ``server_url`` is set, site/forms.py; else a link to
``newsletter_signup_url``; and its archive), every feed the
build writes, the event calendar for Google Calendar, iPhone/Mac and Outlook, and where
the open data (the issue pages' CSVs) and the JSON API are. Everything listed comes from
the channels' own lists (:func:`feeds.feed_links`, :func:`calendars.subscription`,
``api.RECORDS``, the public issue pages), so a new feed or API file appears here by
itself and nothing unpublished does. The template is ``theme/site/channels.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from site_builder.channels import api, calendars, feeds
from site_builder.content.labels import KINDS
from site_builder.content.models import Dataset
from site_builder.context import Build, WebPage
from site_builder.issues.pages import dataset_path
from site_builder.newsletter import pages as newsletter_pages
from site_builder.site import forms as site_forms
from site_builder.site.pages import SUBSCRIBE_URL
from site_builder.site.render import SiteRenderer

TITLE = "メール・RSS・カレンダーで受け取る"
DESCRIPTION = "メールマガジン、RSS、カレンダーで新しい情報を受け取る方法と、オープンデータ・API の場所のご案内です。"


@dataclass(frozen=True)
class PublishedFile:
    """A file of a channel: where it is on the site, and its absolute URL to copy."""

    label: str
    path: str
    url: str
    format: str = ""  # as readers' apps name it
    media_type: str = ""
    schema: str = ""  # an API listing's JSON Schema


@dataclass(frozen=True)
class OpenData:
    """One public issue page and the CSVs published beside it."""

    title: str
    url: str
    datasets: list[tuple[Dataset, str, str]]  # (dataset, file name, site path)


def subscribe_page(site: SiteRenderer) -> list[WebPage]:
    """The page generator: the one channels page."""
    build, config = site.build, site.config
    page = site.page(
        SUBSCRIBE_URL,
        TITLE,
        "channels.html",
        description=DESCRIPTION,
        heading=TITLE,
        signup=site_forms.signup_form(build),  # the server's form, while server_url is set
        signup_url=config.settings.newsletter.signup_url,  # else a list service's page, if any
        privacy_url=site_forms.PRIVACY_PAGE,
        archive_url=archive_url(build),
        feeds=feed_files(build),
        calendar=calendars.subscription(config),
        calendar_path=calendars.CALENDAR_PATH,
        open_data=open_data(build),
        api_files=api_files(build),
    )
    return [page]


def site_paths(build: Build) -> list[str]:
    """The page's URL (for the link check, without rendering)."""
    return [SUBSCRIBE_URL]


def archive_url(build: Build) -> str | None:
    """The newsletter archive, when the build writes one (an edition was sent by now)."""
    archive = newsletter_pages.ARCHIVE_URL
    return archive if archive in newsletter_pages.site_paths(build) else None


def feed_files(build: Build) -> list[PublishedFile]:
    return [
        PublishedFile(link.label, link.path, build.config.absolute(link.path), link.format, link.media_type)
        for link in feeds.feed_links(build.config)
    ]


def api_files(build: Build) -> list[PublishedFile]:
    files = []
    for name, (kind, _) in api.RECORDS.items():
        path = api.listing_path(name)
        files.append(
            PublishedFile(
                KINDS[kind], path, build.config.absolute(path), "JSON", "application/json", api.schema_path(name)
            )
        )
    return files


def open_data(build: Build) -> list[OpenData]:
    return [
        OpenData(
            entry.meta.title,
            entry.url,
            [(d, Path(d.file).name, quote(dataset_path(entry, d))) for d in entry.meta.datasets],
        )
        for entry in build.published.issues
    ]
