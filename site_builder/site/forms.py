"""The site's side of the centre's server: the forms readers send to it and the pages around them.

While ``server_url`` is set in mkdocs.yml, the build draws the newsletter sign-up on the
channels page (``/subscribe/#newsletter-signup``) and the consultation form at
``/consultation/form/`` from the definitions in ``content/forms.py`` (no second list of
fields), each with a form token issued at the build time, and writes the pages the server
redirects to after a POST (:data:`DONE_PAGES`): they ask search engines not to list them
and are in no sitemap, search index or feed. Without ``server_url`` none of these exist.
The privacy page ``/privacy/`` is always written: what each form collects, why, who sees
it and for how long (``server_retention_days``), or that the site collects nothing.

Templates: ``theme/site/forms.html`` (the fields of a form), ``intake_form.html``,
``form_done.html`` and ``privacy.html``; ``theme/assets/forms.js`` only words the browser's
own checks in Japanese, the forms work without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.content.forms import (
    CONFIRM_DAYS,
    HONEYPOT_FIELD,
    INTAKE,
    INTAKE_PAGE,
    INTAKE_THANKS,
    NEWSLETTER,
    NEWSLETTER_CONFIRMED,
    NEWSLETTER_THANKS,
    NEWSLETTER_UNSUBSCRIBED,
    PRIVACY_PAGE,
    SERVER_PAGES,
    SIGNUP_ANCHOR,
    TOKEN_FIELD,
    Form,
    FormField,
    form_token,
)
from site_builder.context import Build, WebPage
from site_builder.site.pages import NEWSLETTER_ARCHIVE_URL, SIGNUP_FORM_URL, SUBSCRIBE_URL
from site_builder.site.render import SiteRenderer

INTAKE_TITLE = "相談・提案フォーム"
PRIVACY_TITLE = "個人情報の取り扱い"
# The pages the server sends a reader to after a POST: (title, what the page is for).
DONE_PAGES = {
    NEWSLETTER_THANKS: "確認メールを送りました",
    NEWSLETTER_CONFIRMED: "メールマガジンの登録が完了しました",
    NEWSLETTER_UNSUBSCRIBED: "メールマガジンの配信を停止しました",
    INTAKE_THANKS: "ご相談・ご提案を受け付けました",
}
# How browsers may fill each field from what they know of the reader (HTML's autofill names).
AUTOCOMPLETE = {"email": "email", "name": "name", "person": "name", "organization": "organization", "phone": "tel"}


@dataclass(frozen=True)
class FormView:
    """A form as a page draws it: where it posts, its token, and the ids of its parts."""

    form: Form
    action: str  # <server_url><form.path>
    token: str
    id: str  # the form element's id; every field's id starts with it

    honeypot = HONEYPOT_FIELD  # the field people never see; the server refuses a POST that fills it
    token_field = TOKEN_FIELD

    def field_id(self, field: FormField, value: str = "") -> str:
        return f"{self.id}-{field.name}" + (f"-{value}" if value else "")

    def autocomplete(self, field: FormField) -> str:
        return AUTOCOMPLETE.get(field.name, "")


def form_view(build: Build, form: Form, id: str) -> FormView | None:
    """``form`` as this build draws it, or None while ``server_url`` is unset. The token is
    issued at the build time: two builds at the same ``--now`` write the same page."""
    server = build.config.settings.server.url
    if not server:
        return None
    if build.form_secret is None:
        raise ValueError("the build has no form secret: the pipeline reads it while server_url is set")
    issued = int(build.published.now.timestamp())
    return FormView(form, server + form.path, form_token(build.form_secret, form.name, issued), id)


def signup_form(build: Build) -> FormView | None:
    """The newsletter sign-up form of the channels page, while ``server_url`` is set."""
    return form_view(build, NEWSLETTER, SIGNUP_ANCHOR)


def form_pages(site: SiteRenderer) -> list[WebPage]:
    """The page generator: /privacy/; while ``server_url`` is set, the consultation form and
    the pages the server redirects to."""
    pages = [privacy_page(site)]
    if site.config.settings.server.url:
        pages.append(intake_page(site))
        pages += [done_page(site, url, title) for url, title in DONE_PAGES.items()]
    return pages


def site_paths(build: Build) -> list[str]:
    """The generator's URLs (for the link check, without rendering)."""
    return [PRIVACY_PAGE, *(SERVER_PAGES if build.config.settings.server.url else ())]


def intake_page(site: SiteRenderer) -> WebPage:
    return site.page(
        INTAKE_PAGE,
        INTAKE_TITLE,
        "intake_form.html",
        description="協働の相談・市民活動の相談・スペース利用・協働の提案を、総合相談窓口にウェブで送るフォームです。",
        heading=INTAKE_TITLE,
        view=form_view(site.build, INTAKE, "intake"),
        center=site.config.settings.center,
        privacy_url=PRIVACY_PAGE,
    )


def done_page(site: SiteRenderer, url: str, title: str) -> WebPage:
    return site.page(
        url,
        title,
        "form_done.html",
        noindex=True,
        heading=title,
        done=url,
        pages={"newsletter_thanks": NEWSLETTER_THANKS, "confirmed": NEWSLETTER_CONFIRMED, "intake": INTAKE_THANKS},
        confirm_days=CONFIRM_DAYS,
        signup_url=SIGNUP_FORM_URL,
        channels_url=SUBSCRIBE_URL,
        intake_url=INTAKE_PAGE,
        archive_url=NEWSLETTER_ARCHIVE_URL if site.published.editions else None,
        center=site.config.settings.center,
        privacy_url=PRIVACY_PAGE,
    )


def privacy_page(site: SiteRenderer) -> WebPage:
    settings = site.config.settings
    server = settings.server.url is not None
    return site.page(
        PRIVACY_PAGE,
        PRIVACY_TITLE,
        "privacy.html",
        description="このサイトのフォームで集める個人情報と、その使い方・保存する期間・削除の求め方のご案内です。",
        heading=PRIVACY_TITLE,
        forms=[(SIGNUP_FORM_URL, NEWSLETTER), (INTAKE_PAGE, INTAKE)] if server else [],
        server=settings.server,
        signup_url=settings.newsletter.signup_url,
        confirm_days=CONFIRM_DAYS,
        center=settings.center,
    )
