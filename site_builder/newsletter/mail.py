"""The newsletter as mail: email HTML, plain text and the message. No I/O.

``render_edition`` turns an :class:`~site_builder.newsletter.EditionContent` into a
:class:`RenderedEdition`: HTML from ``theme/email/edition.html`` with its CSS inlined
by css-inline, text from ``theme/email/edition.txt``, both holding a placeholder
where each recipient's unsubscribe link goes. ``compose_message`` makes the
multipart/alternative message (text first, HTML last) with List-Unsubscribe
(https and mailto) and List-Unsubscribe-Post (RFC 8058).

Links to the site are absolute and carry ``utm_source=newsletter&utm_medium=email
&utm_campaign=<edition id>``. The HTML stays under ``MAX_HTML_BYTES`` (Gmail clips
at about 102 KB): when it would not, the longest section shows fewer items and a
「もっと見る」 link to its list page.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.policy import SMTP
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import css_inline
import jinja2
import nh3
from markupsafe import Markup

from site_builder.content import dates, labels
from site_builder.content.events import present_event
from site_builder.content.links import LinkedBody
from site_builder.content.readers import Entry
from site_builder.content.settings import Config, ConfigError
from site_builder.content.wards import AREA_NAMES
from site_builder.newsletter.editions import EditionContent

MAX_HTML_BYTES = 100_000
HTML_BUDGET = 90_000  # room for the per-recipient links
RECIPIENT = "https://unsubscribe.invalid/sb-recipient"  # replaced per recipient
UTM = (("utm_source", "newsletter"), ("utm_medium", "email"))
INTRO_TAGS = {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "hr", "code"}


@dataclass(frozen=True)
class MailSettings:
    """The sender, unsubscribe targets and footer address of every edition: the
    ``newsletter_*`` settings (validated with the others), or defaults from ``site_url``."""

    sender: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    address: str

    @classmethod
    def from_config(cls, config: Config) -> MailSettings:
        if not config.site_url.startswith("https://"):
            raise ConfigError(f"mkdocs.yml: site_url must be an https URL for the newsletter, got {config.site_url!r}")
        host = urlsplit(config.site_url).hostname or "localhost"
        ours = config.settings.newsletter
        server_url = config.settings.server.url
        return cls(
            sender=sender_of(config),
            unsubscribe_url=ours.unsubscribe_url
            or (f"{server_url}/newsletter/unsubscribe" if server_url else config.absolute("/newsletter/unsubscribe/")),
            unsubscribe_mailto=ours.unsubscribe_mailto or f"unsubscribe@{host}",
            address=ours.address,
        )


def sender_of(config: Config) -> str:
    """The From of every mail the centre sends to readers: ``newsletter_from``, else
    ``<site_name> <newsletter@<site host>>``."""
    host = urlsplit(config.site_url).hostname or "localhost"
    return config.settings.newsletter.from_ or f"{config.site_name} <newsletter@{host}>"


@dataclass
class RenderedEdition:
    """An edition ready to send; ``html``/``text`` hold ``RECIPIENT`` placeholders.
    Saved as ``edition.json`` beside the review copies, read back by ``send``."""

    id: str
    subject: str
    send_at: str
    draft: bool
    html: str
    text: str
    sender: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    shown: dict[str, int]

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def send_time(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.send_at)


def track(url: str, campaign: str, site_url: str) -> str:
    """``url`` with the newsletter's UTM parameters when it points at the site."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(site_url).netloc:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [*UTM, ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def email_env(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.root / "theme" / "email"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(day=dates.format_date, span=dates.format_span)
    return env


# --- the editor's introduction -------------------------------------------------------

_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def intro_html(body: LinkedBody, entry: Entry, config: Config, campaign: str) -> str:
    """The introduction's HTML for mail: a small tag set, absolute tracked links."""
    base = config.absolute(entry.url)

    def attribute(element: str, name: str, value: str) -> str | None:
        if element == "a" and name == "href":
            absolute = urljoin(base, value)
            if urlsplit(absolute).scheme not in ("https", "http", "mailto"):
                return None
            return track(absolute, campaign, config.site_url)
        return value

    html_text = _HEADERLINK.sub("", body.html(config.absolute))
    return nh3.clean(
        html_text,
        tags=INTRO_TAGS,
        attributes={"a": {"href"}},
        attribute_filter=attribute,
        link_rel=None,
        url_schemes={"https", "http", "mailto"},
    ).strip()


class _PlainText(HTMLParser):
    """Sanitized introduction HTML to plain text: paragraphs, 【見出し】, ・items, text（URL）."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("p", "ul", "ol", "blockquote", "h2", "h3", "h4", "hr"):
            self.parts.append("\n\n")
        self.parts.append({"li": "\n・", "br": "\n", "h2": "【", "h3": "【", "h4": "【", "hr": "――――"}.get(tag, ""))
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3", "h4"):
            self.parts.append("】")
        if tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.parts.append(f"（{href}）")

    def handle_data(self, data: str) -> None:
        self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(fragment: str) -> str:
    parser = _PlainText()
    parser.feed(fragment)
    parser.close()
    return parser.text()


# --- items ---------------------------------------------------------------------------


def card(entry: Entry, config: Config, campaign: str) -> dict:
    """What the templates show of one case, news item or event."""
    meta = entry.meta
    found = {
        "title": meta.title,
        "summary": meta.summary,
        "url": track(config.absolute(entry.url), campaign, config.site_url),
        "meta": dates.format_date(meta.date),
        "badge": "",
        "image": "",
        "image_alt": "",
    }
    if entry.kind == "case":
        areas = "・".join(AREA_NAMES[ward] for ward in meta.wards)
        found["meta"] = labels.CASE_STATUS[meta.status] + (f"｜{areas}" if areas else "")
        if entry.image_path:
            found.update(image=config.absolute(entry.image_path), image_alt=meta.image_alt)
    elif entry.kind == "event":
        view = present_event(meta)
        found["meta"] = view.when + (f"｜{view.place_brief}" if view.place_brief else "")
        found["badge"] = view.badge
    return found


def sections(content: EditionContent, config: Config, shown: dict[str, int]) -> list[dict]:
    def track_list(path: str) -> str:
        return track(config.absolute(path), content.id, config.site_url)

    found = []
    for key, heading, empty, path in (
        ("cases", "新着の協働事例", "この期間に新しく掲載した協働事例はありません。", "/cases/"),
        ("news", "お知らせ", "この期間のお知らせはありません。", "/news/"),
        ("events", "これからのイベント", "近日中に予定しているイベントはありません。", "/events/"),
    ):
        entries = getattr(content, key)
        limit = shown[key]
        found.append(
            {
                "key": key,
                "heading": heading,
                "empty": empty,
                "more_url": track_list(path),
                "more": max(0, len(entries) - limit),
                "cards": [card(e, config, content.id) for e in entries[:limit]],
            }
        )
    return found


# --- the edition ---------------------------------------------------------------------


def render_edition(
    content: EditionContent, config: Config, settings: MailSettings, intro: str = "", max_items: int = 10
) -> RenderedEdition:
    """Render HTML and text; show fewer items while the HTML is over budget."""
    shown = {key: min(max_items, len(getattr(content, key))) for key in ("cases", "news", "events")}
    while True:
        html_text, text = _render(content, config, settings, intro, shown)
        if len(html_text.encode("utf-8")) <= HTML_BUDGET or not any(shown.values()):
            break
        longest = max(sorted(shown), key=lambda key: shown[key])
        shown[longest] -= 1
    return RenderedEdition(
        id=content.id,
        subject=content.subject,
        send_at=content.send_at.isoformat(),
        draft=bool(content.entry is not None and content.entry.meta.draft),
        html=html_text,
        text=text,
        sender=settings.sender,
        unsubscribe_url=settings.unsubscribe_url,
        unsubscribe_mailto=settings.unsubscribe_mailto,
        shown=shown,
    )


def _render(
    content: EditionContent, config: Config, settings: MailSettings, intro: str, shown: dict[str, int]
) -> tuple[str, str]:
    env = email_env(config)
    web_url = track(config.absolute(content.web_url), content.id, config.site_url) if content.web_url else ""
    context = {
        "edition": content,
        "site_name": config.site_name,
        "web_url": web_url,
        "sections": sections(content, config, shown),
        "footer": {
            "address": settings.address,
            "contact_url": track(config.absolute("/contact/"), content.id, config.site_url),
        },
        "unsubscribe": RECIPIENT,
    }
    page = env.get_template("edition.html").render(intro=Markup(intro), **context)
    inliner = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)
    text = env.get_template("edition.txt").render(intro_text=plain_text(intro), **context)
    return inliner.inline(page), text


def unsubscribe_links(
    rendered: RenderedEdition, address: str | None = None, token: str | None = None
) -> tuple[str, str]:
    """The https and mailto unsubscribe links; personal when ``address`` and ``token`` are given."""
    https, mailto = rendered.unsubscribe_url, f"mailto:{rendered.unsubscribe_mailto}"
    if address and token:
        glue = "&" if "?" in https else "?"
        return (
            f"{https}{glue}{urlencode({'email': address, 'token': token})}",
            f"{mailto}?subject=unsubscribe%20{token}",
        )
    return https, f"{mailto}?subject=unsubscribe"


def personalize(rendered: RenderedEdition, https_link: str) -> tuple[str, str]:
    """HTML and text with the unsubscribe link in place (escaped for HTML, exact in text)."""
    return rendered.html.replace(RECIPIENT, html.escape(https_link, quote=True)), rendered.text.replace(
        RECIPIENT, https_link
    )


def compose_message(
    rendered: RenderedEdition, *, to: str, message_id: str, date: dt.datetime, https_link: str, mailto_link: str
) -> EmailMessage:
    """multipart/alternative: text/plain first, text/html last (the preferred part)."""
    html_text, text = personalize(rendered, https_link)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = rendered.sender
    message["To"] = to
    message["Date"] = email.utils.format_datetime(date)
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<{https_link}>, <{mailto_link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html_text, subtype="html", charset="utf-8")
    return message
