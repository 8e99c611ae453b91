"""The web editing form's configuration (``/admin/config.yml``), made from the content models.

Contract:

* :func:`cms_config` ``(config, local_backend=False, proxy_url=None) -> dict`` is the
  whole Decap CMS configuration for the site's settings ``config``; :func:`config_yaml`
  is the same as the text the build writes to ``/admin/config.yml``. Both are pure:
  same settings, same output, nothing read from disk.
* One folder collection per content type that staff write (cases, events, news, issue
  pages, newsletter editions; not the ordinary pages), at the folder ``content/kinds.py``
  gives it, one ``<slug>.md`` file per entry with YAML front matter. Its fields come from
  the type's model (``fields.py``), then the Markdown ``body``.
* The file name is the ``slug`` field the editor types (ASCII letters, digits and ``-``),
  and for an edition its send date (``2027-01-05``); Decap's ``slug.encoding: ascii``
  drops anything else.
* Images go into ``images/`` beside the entry (``cases/images/…``), and the entry refers
  to them as ``images/…``: a path relative to the file, inside the content folders, as
  ``check`` accepts.
* ``publish_mode: editorial_workflow``: every entry is a pull request (draft → in review
  → ready → published). The backend is the git host of the ``cms_*`` settings.
* ``local_backend=True`` adds ``local_backend``: on a page opened from localhost or
  127.0.0.1 the form then talks to ``decap-server`` (npm) at ``proxy_url`` (default:
  Decap's, ``http://localhost:8081/api/v1``) and writes into the working tree instead of
  the git host. The build never sets it; ``site-builder serve --cms`` does, for the
  config it serves.
"""

from __future__ import annotations

import yaml

from site_builder.cms.fields import form_fields
from site_builder.content import labels
from site_builder.content.field_labels import FIELD_LABELS
from site_builder.content.kinds import CASE, EDITION, EVENT, ISSUE, NEWS, Kind
from site_builder.content.settings import Config

KINDS = (CASE, EVENT, NEWS, ISSUE, EDITION)  # what the form writes; ordinary pages stay in git
MEDIA_FOLDER = "images"  # beside each entry: cases/images/…, content/news/images/…
LOCAL_HOSTS = ("localhost", "127.0.0.1")
# The form's order: what identifies the entry first, then the type's own fields, then the rest.
FIRST = ("title", "slug", "date", "summary")
LAST = ("image", "image_alt", "tags", "body", "sns", "draft")
DESCRIPTIONS = {
    "case": "協働の取組の紹介です。本文には背景・取組内容・成果・今後を書きます。",
    "event": "講座、フォーラム、説明会などのイベントです。",
    "news": "休館日、募集、サイトの更新などのお知らせです。",
    "issue": "オープンデータ（CSV）をグラフと表で見せるページです。CSV は content/data/ に置きます。",
    "edition": "メルマガの1号です。号の ID（ファイル名）は送信日から付きます。記事の一覧は自動で入ります。",
}


def cms_config(config: Config, local_backend: bool = False, proxy_url: str | None = None) -> dict:
    """The Decap CMS configuration of the site (see the module's contract)."""
    data: dict = {
        "locale": "ja",
        "backend": backend(config),
        "publish_mode": "editorial_workflow",
        "site_url": config.site_url,
        "display_url": config.site_url,
        "show_preview_links": True,
        # Every collection has its own folder (MEDIA_FOLDER); this one is only the media page's.
        "media_folder": f"content/{MEDIA_FOLDER}",
        "public_folder": f"/{MEDIA_FOLDER}",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": [collection(kind, config) for kind in KINDS],
    }
    if local_backend:
        data["local_backend"] = {"url": proxy_url, "allowed_hosts": list(LOCAL_HOSTS)} if proxy_url else True
    return data


def config_yaml(config: Config, local_backend: bool = False, proxy_url: str | None = None) -> str:
    """:func:`cms_config` as the text of ``/admin/config.yml``."""
    header = "# Made by site-builder from the content models (site_builder/cms/); edits here are overwritten.\n"
    data = cms_config(config, local_backend, proxy_url)
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


class _Dumper(yaml.SafeDumper):
    """Every value written out where it is used: no ``&anchors``, which staff would not read."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def backend(config: Config) -> dict:
    """The git host the form commits to (``cms_*`` settings); only the keys that are set."""
    settings = config.settings.cms
    data = {"name": settings.backend, "repo": settings.repo, "branch": settings.branch}
    data |= {"base_url": settings.base_url, "auth_endpoint": settings.auth_endpoint, "api_root": settings.api_root}
    data["auth_scope"] = settings.auth_scope
    if settings.backend == "github":
        data["squash_merges"] = True  # one commit on the branch per published entry
    return {key: value for key, value in data.items() if value is not None}


def collection(kind: Kind, config: Config) -> dict:
    name = labels.KINDS[kind.name]
    data = {
        "name": kind.folder.rsplit("/", 1)[-1],
        "label": name,
        "label_singular": name,
        "description": DESCRIPTIONS[kind.name],
        "folder": kind.folder,
        "extension": "md",
        "format": "frontmatter",
        "create": True,
        "media_folder": MEDIA_FOLDER,
        "public_folder": MEDIA_FOLDER,
        "preview_path": kind.url_prefix.lstrip("/") + "{{slug}}/",
        "sortable_fields": [{"field": "date", "default_sort": "desc"}, "title"],
        "fields": ordered([*form_fields(kind.model), body()]),
    }
    if kind is EDITION:  # no slug field: the edition id is the file name
        data |= {"identifier_field": "date", "slug": "{{fields.date | date('YYYY-MM-DD')}}"}
        data["summary"] = "{{fields.date | date('YYYY-MM-DD')}} {{title}}"
    else:
        data |= {"identifier_field": "slug", "slug": "{{slug}}", "summary": "{{title}}"}
    return data


def body() -> dict:
    text = FIELD_LABELS["body"]
    return {
        "name": "body",
        "label": text.label,
        "widget": "markdown",
        "hint": text.hint,
        # Markdown as typed first (admin.js opens the body in it: Decap ignores this order);
        # rich-text mode escapes Markdown typed into it (## becomes \#\#).
        "modes": ["raw", "rich_text"],
        # The preview of a body another account wrote runs no script in a reviewer's signed-in form.
        "sanitize_preview": True,
        "required": False,
    }


def ordered(fields: list[dict]) -> list[dict]:
    def rank(field: dict) -> tuple[int, int]:
        name = field["name"]
        if name in FIRST:
            return (0, FIRST.index(name))
        if name in LAST:
            return (2, LAST.index(name))
        return (1, 0)

    return sorted(fields, key=rank)  # stable: the type's own fields keep the model's order
