"""Site configuration: ``mkdocs.yml`` for the engine, ``extra.site_builder`` for us.

``extra.site_builder`` is one typed model, :class:`SiteBuilderSettings`, with a
default per key (in the spirit of Material's blog plugin ``config.py``). In
``mkdocs.yml`` the keys stay flat (``sns_networks: [x]``); in the code they are
grouped by prefix into one sub-model per channel, each attribute named by its key
without the prefix: ``config.settings.sns.networks``, ``config.settings.newsletter.from_``,
``config.settings.site.engine``, ``config.settings.issues.stale_after_days``. The list
lengths have no prefix and keep their names (``config.settings.lists.cases_per_page``).

An unknown key or a wrong value is an error located to its line in ``mkdocs.yml``,
reported with the content errors by ``site-builder check``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from site_builder.content import post_length
from site_builder.content.field_messages import field_errors
from site_builder.content.frontmatter import (
    DEFAULT_LIMITS,
    BoundedComposer,
    ContentFileError,
    Limits,
    Loc,
    SourceFile,
    format_loc,
    parse_yaml,
)
from site_builder.content.html_policy import HtmlPolicy
from site_builder.content.i18n import bi, japanese
from site_builder.content.models import Instant, Network, Text, header_problem
from site_builder.content.reporter import Reporter

Engine = Literal["mkdocs", "properdocs", "zensical"]
ENGINES: tuple[str, ...] = get_args(Engine)
SETTINGS_LOC: Loc = ("extra", "site_builder")


class ConfigError(Exception):
    """``mkdocs.yml`` cannot be read at all (missing, not YAML), or an environment override is wrong."""


# --- value rules -------------------------------------------------------------------


def _https(why: str, why_ja: str) -> Callable[[str], str]:
    """A validator of https URLs; ``why`` says why plain http will not do."""

    def validate(value: str) -> str:
        if not re.match(r"^https://[^\s/$.?#][^\s]*$", value):
            raise ValueError(
                bi(
                    f"must be an https URL ({why}), got {value!r}",
                    f"https:// で始まる URL を書いてください（{why_ja}）。いまは {value} です。",
                )
            )
        return value

    return validate


def _address(value: str) -> str:
    problem = header_problem(value)
    if problem:
        raise ValueError(problem)
    if "@" not in email.utils.parseaddr(value)[1]:
        raise ValueError(
            bi(
                f"must be a mail address, e.g. センター <newsletter@example.org>, got {value!r}",
                f"メールアドレスを書いてください。例：センター <newsletter@example.org>（いまは「{value}」）",
            )
        )
    return value


def _hashtag(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # `sns_hashtags: [2026]`
    return value.lstrip("#") if isinstance(value, str) else value


def _clock(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value.strip()):
        try:
            return dt.time(*(int(part) for part in value.strip().split(":")))
        except ValueError:
            pass
    raise ValueError(
        bi(
            f'must be a time of day in quotes, like "09:00", got {value!r}',
            '時刻は "09:00" のように引用符で囲んで書いてください（囲まないと 9:30 は数として読まれます）。',
        )
    )


def _ip_network(value: object) -> object:
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    if isinstance(value, str):
        try:
            return ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            pass
    raise ValueError(
        bi(
            f"must be an IP address or network such as 127.0.0.1 or 10.0.0.0/8, got {value!r}",
            f"「{value}」は IP アドレスとして読めません。127.0.0.1 や 10.0.0.0/8 のように書いてください。",
        )
    )


def _host_name(value: object) -> str:
    """A host as URLs carry it: lower case, IDNA-encoded (``例え.jp`` → ``xn--r8jz45g.jp``), IPs as written."""
    if isinstance(value, str):
        host = value.strip().lower().rstrip(".")
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", host):
            return host
    raise ValueError(
        bi(
            f"must be a host name such as data.city.example (no https://, no path), got {value!r}",
            f"「{value}」はホスト名として読めません。data.city.example のように、https:// や / 以降を付けずに"
            "書いてください。",
        )
    )


def _link(value: str) -> str:
    """A link a setting gives the site's header, footer or home page: a site path or an https URL."""
    if not re.match(r"^(/[^\s]*|https://[^\s/$.?#][^\s]*|tel:[0-9+\-]+|mailto:[^\s@]+@[^\s@]+)$", value):
        raise ValueError(
            bi(
                f"must be a site path such as /contact/ or an https URL, got {value!r}",
                f"/contact/ のようなサイト内のパスか、https:// で始まる URL を書いてください（いまは「{value}」）。",
            )
        )
    return value


def _latest_first(days: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(days), reverse=True))


Count = Annotated[int, Field(strict=True, ge=0)]
PositiveCount = Annotated[int, Field(strict=True, ge=1)]
Seconds = Annotated[float, Field(strict=True, ge=0)]
PositiveSeconds = Annotated[float, Field(strict=True, gt=0)]
UnsubscribeUrl = Annotated[
    str,
    AfterValidator(
        _https("one-click unsubscribe works only over https", "ワンクリックの配信停止は https でしか働きません")
    ),
]
SignupUrl = Annotated[
    str, AfterValidator(_https("readers type their mail address into it", "読者がメールアドレスを入力するページです"))
]
Address = Annotated[str, Field(min_length=1), AfterValidator(_address)]
Hashtag = Annotated[str, BeforeValidator(_hashtag), Field(min_length=1)]
Clock = Annotated[dt.time, BeforeValidator(_clock)]
IpNetwork = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_ip_network)]
HostName = Annotated[str, BeforeValidator(_host_name)]
Link = Annotated[str, AfterValidator(_link)]


# --- the model ---------------------------------------------------------------------


def _prefixed(prefix: str) -> Callable[[str], str]:
    """The key in mkdocs.yml of an attribute: ``from_`` of the newsletter is ``newsletter_from``."""
    return lambda name: prefix + name.rstrip("_")


class SettingsGroup(BaseModel):
    """Settings that share a key prefix; the code may also build one by attribute names."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SiteSettings(SettingsGroup):
    """``site_*``: the engine and the site-wide sharing metadata."""

    model_config = ConfigDict(alias_generator=_prefixed("site_"))

    engine: Engine = "mkdocs"  # SITE_BUILDER_ENGINE overrides it (Config.engine)
    image: Text = "assets/ogp.png"  # og:image of pages without an image of their own
    twitter: Text | None = None  # twitter:site, e.g. "@yokohama_kyodo"


class LinkSetting(BaseModel):
    """One link of the header, footer or home page: ``{label: …, url: …, text: …}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text
    url: Link
    text: str = ""  # a line under the label (the home page's entry points)


class CenterSettings(SettingsGroup):
    """``center_*``: the centre as a public facility, shown in every page's header and
    footer and on the home page (site/chrome.py, theme/site/chrome_*.html, home.html)."""

    model_config = ConfigDict(alias_generator=_prefixed("center_"))

    tagline: str = ""  # the concept in one line: the home page's heading
    address: str = ""  # postal address, in <address>
    phone: str = ""
    hours: tuple[Text, ...] = ()  # opening hours, one line each
    access: str = ""  # how to get there, in words
    map_url: Link | None = None  # a map of the address (a link: no third-party embed)
    contact_url: Link | None = None  # the contact form or page
    operator: str = ""  # who runs the centre
    wards_url: Link | None = None  # the page listing the ward centres; its sub-pages are listed in the footer
    purposes: tuple[LinkSetting, ...] = ()  # the home page's entry points by purpose
    footer_links: tuple[LinkSetting, ...] = ()  # ways to follow the centre: feeds, calendar, newsletter, data


class ListSettings(SettingsGroup):
    """How many items the lists show: per page, and on the home page."""

    model_config = ConfigDict(alias_generator=_prefixed(""))

    cases_per_page: PositiveCount = 20
    news_per_page: PositiveCount = 20
    events_past_per_page: PositiveCount = 30
    home_cases: Count = 6
    home_events: Count = 5
    home_news: Count = 5


class IssueSettings(SettingsGroup):
    """``issues_*``: issue pages (課題を知る)."""

    model_config = ConfigDict(alias_generator=_prefixed("issues_"))

    stale_after_days: PositiveCount = 400  # data retrieved longer ago is flagged as possibly out of date


class DataPullSettings(SettingsGroup):
    """``data_pull_*``: ``site-builder data pull`` treats every download as untrusted input
    (see :mod:`site_builder.issues.download`)."""

    model_config = ConfigDict(alias_generator=_prefixed("data_pull_"))

    deadline_seconds: PositiveSeconds = 120.0  # the whole download: name lookups, redirects, body
    connect_timeout_seconds: PositiveSeconds = 10.0
    read_timeout_seconds: PositiveSeconds = 30.0  # the longest silence between two reads
    max_bytes: PositiveCount = 100 * 1024 * 1024
    max_redirects: Count = 5
    redirect_hosts: tuple[HostName, ...] = ()  # where a redirect may lead besides the download_url's own host
    # Addresses that are not public but may be downloaded from (a local test server, a mirror
    # on the office network); plain http is accepted only from these.
    allow_private: tuple[IpNetwork, ...] = ()


class NewsletterSettings(SettingsGroup):
    """``newsletter_*``; an unset sender or unsubscribe target is derived from ``site_url``."""

    model_config = ConfigDict(alias_generator=_prefixed("newsletter_"))

    upcoming_weeks: Count = 6  # events starting within this many weeks are listed
    from_: Address | None = None  # default: "<site_name> <newsletter@<site host>>"
    # default: <server_url>/newsletter/unsubscribe with server_url, else <site_url>/newsletter/unsubscribe/
    unsubscribe_url: UnsubscribeUrl | None = None
    signup_url: SignupUrl | None = None  # where readers sign up; the channels page links it (none: "準備中")
    unsubscribe_mailto: Address | None = None  # default: unsubscribe@<site host>
    address: Text = "〒231-0005 横浜市中区本町6-50-10 横浜市役所1階"  # the postal address in the footer
    max_items: Count = 10  # per section


class SnsSettings(SettingsGroup):
    """``sns_*``: the SNS queue (``site-builder sns``); see :mod:`site_builder.sns.plan`."""

    model_config = ConfigDict(alias_generator=_prefixed("sns_"))

    networks: tuple[Network, ...] = ("x", "facebook")  # where items are announced by default
    hashtags: tuple[Hashtag, ...] = ()  # without '#'
    announce: Annotated[bool, Field(strict=True)] = True
    event_reminder_days: Annotated[tuple[Count, ...], AfterValidator(_latest_first)] = (7, 1)
    reminder_time: Clock = dt.time(9, 0)
    mastodon_limit: PositiveCount = post_length.LIMITS["mastodon"]
    since: Instant | None = None  # go-live: nothing planned before it is ever sent
    ledger: str = ""  # an explicit path; by default <state_dir>/sns/ledger.jsonl (sns/ledger.py)
    timeout_seconds: Annotated[float, Field(strict=True, gt=0)] = 20.0
    retries: Count = 3
    backoff_seconds: Seconds = 2.0
    max_wait_seconds: Seconds = 300.0


class HtmlSettings(SettingsGroup):
    """``html_*``: the HTML policy of bodies (content/html_policy.py)."""

    model_config = ConfigDict(alias_generator=_prefixed("html_"))

    # Hosts whose https pages a body may embed with <iframe> (always sandboxed, loaded lazily).
    iframe_hosts: tuple[HostName, ...] = ("www.youtube-nocookie.com", "www.youtube.com", "www.google.com")


class LimitSettings(SettingsGroup):
    """``limits_*``: how much one content file may hold, so that no file can make
    ``check`` or ``build`` run out of memory or time (content/frontmatter.py, content/markdown.py)."""

    model_config = ConfigDict(alias_generator=_prefixed("limits_"))

    file_kb: PositiveCount = DEFAULT_LIMITS.file_kb
    body_kb: PositiveCount = DEFAULT_LIMITS.body_kb
    list_items: PositiveCount = DEFAULT_LIMITS.list_items  # of one front-matter list, or fields of one mapping
    nesting_depth: PositiveCount = DEFAULT_LIMITS.nesting_depth
    markdown_seconds: Annotated[float, Field(strict=True, gt=0)] = DEFAULT_LIMITS.markdown_seconds  # CPU, per body


def _repository(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+", value):
        raise ValueError(
            bi(
                f"must be a repository as owner/name, e.g. yokohama-kyodo/site, got {value!r}",
                f"リポジトリは「持ち主/名前」の形で書いてください（例：yokohama-kyodo/site）。いまは「{value}」です。",
            )
        )
    return value


# This machine's own origin: a preview's server URL, and the pages that post to it (server/service.py).
LOOPBACK_ORIGIN = r"http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?"


def _server_url(value: str) -> str:
    """https, or plain http on this machine only (a preview with ``site-builder server`` beside it)."""
    if not re.fullmatch(LOOPBACK_ORIGIN + r"(/\S*)?", value):
        _https(
            "readers send their name and mail address to it; http://127.0.0.1:PORT only for a preview",
            "読者が名前やメールアドレスを送る先です。手元での確認だけは http://127.0.0.1:ポート番号 でも構いません",
        )(value)
    return value.rstrip("/")


def _origin(value: str) -> str:
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?", value):
        raise ValueError(
            bi(
                f"must be an origin like https://www.example.org (no path), got {value!r}",
                f"https://www.example.org のように、パスのない URL を書いてください。いまは {value} です。",
            )
        )
    return value


Repository = Annotated[str, AfterValidator(_repository)]
ServerUrl = Annotated[str, AfterValidator(_server_url)]
SERVER_URL_ENV = "SITE_BUILDER_SERVER_URL"  # overrides server_url (a preview: http://127.0.0.1:8030)
Origin = Annotated[str, AfterValidator(_origin)]
ServiceUrl = Annotated[str, AfterValidator(_https("staff sign in through it", "スタッフがここを通ってログインします"))]


class CmsSettings(SettingsGroup):
    """``cms_*``: the web editing form at ``/admin/`` (Decap CMS, site_builder/cms/): the
    git host it commits to, and the OAuth service staff sign in through."""

    model_config = ConfigDict(alias_generator=_prefixed("cms_"))

    enabled: Annotated[bool, Field(strict=True)] = True  # false: the build writes no /admin/
    backend: Literal["github", "gitlab", "gitea"] = "github"
    repo: Repository | None = None  # owner/name of the repository the form commits to
    branch: Text = "main"  # the branch the site is built from; reviews are pull requests into it
    base_url: ServiceUrl | None = None  # the OAuth service (default: Decap's, https://api.netlify.com)
    auth_endpoint: Text | None = None  # its path (default: auth)
    # What the sign-in may do: public_repo (public repositories only) or repo (default: Decap's, repo).
    auth_scope: Literal["repo", "public_repo"] | None = None
    api_root: ServiceUrl | None = None  # the host's API, for GitHub Enterprise, a GitLab or Gitea server


class ServerSettings(SettingsGroup):
    """``server_*``: the centre's small server (``site-builder server``, site_builder/server/),
    which takes newsletter sign-ups, unsubscriptions and consultations. The site shows its
    forms only when ``server_url`` is set."""

    model_config = ConfigDict(alias_generator=_prefixed("server_"))

    url: ServerUrl | None = None  # where readers' browsers reach the server (SITE_BUILDER_SERVER_URL overrides it)
    retention_days: PositiveCount = 365  # consultations and ended subscriptions are purged after this
    staff_address: Address | None = None  # who is told of each consultation (none: /intake is closed)
    rate_limit_per_hour: PositiveCount = 10  # POSTs per client address and hour
    form_token_max_age_days: PositiveCount = 60  # how old a page's form may be (the site is rebuilt at least weekly)
    allowed_origins: tuple[Origin, ...] = ()  # besides site_url's own origin, where forms may be posted from
    trusted_proxies: tuple[IpNetwork, ...] = ()  # reverse proxies whose X-Forwarded-For is believed


class SiteBuilderSettings(BaseModel):
    """``extra.site_builder`` in mkdocs.yml, grouped by channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: SiteSettings = SiteSettings()
    center: CenterSettings = CenterSettings()
    lists: ListSettings = ListSettings()
    issues: IssueSettings = IssueSettings()
    data_pull: DataPullSettings = DataPullSettings()
    newsletter: NewsletterSettings = NewsletterSettings()
    sns: SnsSettings = SnsSettings()
    limits: LimitSettings = LimitSettings()
    html: HtmlSettings = HtmlSettings()
    cms: CmsSettings = CmsSettings()
    server: ServerSettings = ServerSettings()
    state_dir: Text = "state"  # operational state (ledgers): never inside anything a build or clean deletes

    @classmethod
    def from_flat(cls, data: object) -> SiteBuilderSettings:
        """Validate the flat mapping as written in mkdocs.yml; raises ``ValidationError``."""
        return cls.model_validate(_grouped(data))


def _keys() -> dict[str, tuple[str | None, str]]:
    """``{key in mkdocs.yml: (group, attribute)}``; the group is None for an ungrouped key."""
    keys: dict[str, tuple[str | None, str]] = {}
    for name, info in SiteBuilderSettings.model_fields.items():
        group = info.annotation
        if isinstance(group, type) and issubclass(group, SettingsGroup):
            keys.update({sub.alias or attribute: (name, attribute) for attribute, sub in group.model_fields.items()})
        else:
            keys[name] = (None, name)
    return keys


KEYS = _keys()
GROUPS = frozenset(group for group, _ in KEYS.values() if group)


def _grouped(data: object) -> object:
    """``{"sns_networks": …}`` → ``{"sns": {"sns_networks": …}}``; unknown keys stay on top,
    where the model rejects them (a key named like a group goes into it, to be rejected there)."""
    if not isinstance(data, dict):
        return data
    grouped: dict = {}
    for key, value in data.items():
        key = str(key)  # `1: x` is an unknown setting like any other
        group = KEYS.get(key, (key if key in GROUPS else None, key))[0]
        if group is None:
            grouped[key] = value
        else:
            grouped.setdefault(group, {})[key] = value
    return grouped


def setting_errors(exc: ValidationError) -> list[tuple[Loc, str]]:
    """``(location under extra.site_builder, message)`` pairs, located by flat key."""
    problems = []
    for loc, message in field_errors(exc, SiteBuilderSettings, noun="setting", names=sorted(KEYS)):
        if len(loc) > 1 and loc[0] in GROUPS:
            loc = loc[1:]
        problems.append((loc, message))
    return problems


# --- mkdocs.yml --------------------------------------------------------------------


# mkdocs.yml is the site owner's file, not content: only bounded so that it cannot crash the read.
CONFIG_LIMITS = Limits(nesting_depth=50, list_items=100_000)


class _EngineLoader(BoundedComposer, yaml.SafeLoader):
    """``yaml.safe_load``'s rules, except that an impossible date (``2026-11-31``)
    stays text instead of stopping the read: a setting's date is reported with its line.
    Aliases (``*name``) and nesting deeper than :data:`CONFIG_LIMITS` allows are refused."""

    max_depth = CONFIG_LIMITS.nesting_depth


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_EngineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


@dataclass
class Config:
    """``mkdocs.yml``: ``engine_config`` as the engine reads it, ``settings`` typed."""

    root: Path
    engine_config: dict
    settings: SiteBuilderSettings = field(default_factory=SiteBuilderSettings)

    @property
    def site_name(self) -> str:
        return self.engine_config.get("site_name", "")

    @property
    def site_url(self) -> str:
        return self.engine_config.get("site_url", "http://127.0.0.1:8000/").rstrip("/") + "/"

    @property
    def description(self) -> str:
        return self.engine_config.get("site_description", "")

    @property
    def engine(self) -> str:
        engine = os.environ.get("SITE_BUILDER_ENGINE") or self.settings.site.engine
        if engine not in ENGINES:
            raise ConfigError(
                bi(
                    f"SITE_BUILDER_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}",
                    f"SITE_BUILDER_ENGINE は {'、'.join(ENGINES)} のどれかにしてください（いまは {engine}）。",
                )
            )
        return engine

    @property
    def html_policy(self) -> HtmlPolicy:
        """The ``html_*`` settings, as the body cleaner takes them."""
        return HtmlPolicy(frozenset(self.settings.html.iframe_hosts))

    @property
    def limits(self) -> Limits:
        """The ``limits_*`` settings, as the readers and the Markdown conversion take them."""
        return Limits(**self.settings.limits.model_dump())

    def absolute(self, url: str) -> str:
        """An absolute URL for a site path such as ``/cases/foo/``."""
        return self.site_url + url.lstrip("/")

    def markdown_extensions(self) -> tuple[list[str], dict]:
        names, configs = [], {}
        for entry in self.engine_config.get("markdown_extensions", []):
            if isinstance(entry, dict):
                ((name, options),) = entry.items()
                names.append(name)
                configs[name] = options or {}
            else:
                names.append(entry)
        return names, configs


def read_config(root: Path, reporter: Reporter) -> Config:
    """``mkdocs.yml`` read as the engine reads it (safe YAML), and our settings
    validated: each wrong setting goes to ``reporter`` with its line, and the defaults
    stand in for them. A file that cannot be read at all is a :class:`ConfigError`."""
    path = root / "mkdocs.yml"
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_EngineLoader) or {}
    except FileNotFoundError:
        raise ConfigError(
            bi(
                f"{path}: not found; run site-builder in the project folder",
                f"{path} が見つかりません。"
                "サイトのフォルダ（mkdocs.yml のあるフォルダ）で site-builder を実行してください。",
            )
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            bi(
                f"{path}: not UTF-8 text; save the file as UTF-8",
                f"{path}: 文字コードが UTF-8 ではありません。UTF-8 で保存し直してください。",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None  # YAML syntax: worded with frontmatter.py's
    except ContentFileError as exc:  # an alias, or nesting too deep
        where = f"{path}:{exc.line}: "
        raise ConfigError(bi(where + exc.message, where + japanese(exc.message))) from None
    if not isinstance(data, dict):
        raise ConfigError(
            bi(
                f"{path}: must be a mapping of 'key: value' lines",
                f"{path}: 「設定名: 値」の形の行で書いてください。例：site_name: 横浜市市民協働推進センター",
            )
        )
    source = _locate(path, text, data, reporter)
    site_name = data.get("site_name")
    problem = header_problem(site_name) if isinstance(site_name, str) else None
    if problem:  # the site name starts every newsletter subject and its default sender
        reporter.error(path, source.line_of(("site_name",)), "site_name", problem)
    return Config(root, data, validate_settings(source, reporter))


def _locate(path: Path, text: str, data: dict, reporter: Reporter) -> SourceFile:
    """The file with each key's line; dates stay text, as in front matter."""
    try:
        located, lines = parse_yaml(text, limits=CONFIG_LIMITS)
    except ContentFileError as exc:  # a key written twice
        reporter.error(path, exc.line, exc.field, exc.message)
        return SourceFile(path, data, "", 1)
    return SourceFile(path, located if isinstance(located, dict) else data, "", 1, lines)


def validate_settings(source: SourceFile, reporter: Reporter) -> SiteBuilderSettings:
    """The typed ``extra.site_builder`` of ``source``; its errors go to ``reporter``."""
    extra = source.data.get("extra")
    raw = extra.get("site_builder") if isinstance(extra, dict) else None
    try:
        settings = SiteBuilderSettings.from_flat({} if raw is None else raw)
    except ValidationError as exc:
        for loc, message in setting_errors(exc):
            full = SETTINGS_LOC + loc
            reporter.error(source.path, source.line_of(full), format_loc(full), message)
        return SiteBuilderSettings()
    return _server_url_override(settings, source, reporter)


def _server_url_override(settings: SiteBuilderSettings, source: SourceFile, reporter: Reporter) -> SiteBuilderSettings:
    """``settings`` with ``server_url`` from :data:`SERVER_URL_ENV` when that is set: a
    preview's forms post to a server on this machine, the published site's to the real one."""
    override = os.environ.get(SERVER_URL_ENV, "")
    if not override:
        return settings
    try:
        url = _server_url(override)
    except ValueError as exc:
        reporter.error(source.path, 1, SERVER_URL_ENV, str(exc))
        return settings
    return settings.model_copy(update={"server": settings.server.model_copy(update={"url": url})})
