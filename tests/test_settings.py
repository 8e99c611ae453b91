"""``extra.site_builder`` in mkdocs.yml: typed, defaulted, and every mistake located."""

from __future__ import annotations

import datetime as dt

import pytest

from site_builder import pipeline
from site_builder.content import dates, post_length
from site_builder.content.models import Network
from site_builder.content.reporter import Reporter
from site_builder.content.settings import KEYS, Config, ConfigError, SiteBuilderSettings, read_config
from site_builder.newsletter.editions import DEFAULT_UPCOMING_WEEKS
from tests.conftest import PROJECT

# What the code read with `config.get(key, default)` before the settings were typed.
OLD_DEFAULTS = {
    "site_engine": "mkdocs",
    "site_image": "assets/ogp.png",
    "site_twitter": None,
    "center_tagline": "",  # new, like every center_*: the header, footer and home page (site/chrome.py)
    "center_address": "",
    "center_phone": "",
    "center_hours": (),
    "center_access": "",
    "center_map_url": None,
    "center_contact_url": None,
    "center_operator": "",
    "center_wards_url": None,
    "center_purposes": (),
    "center_footer_links": (),
    "cases_per_page": 20,
    "news_per_page": 20,
    "events_past_per_page": 30,
    "home_cases": 6,
    "home_events": 5,
    "home_news": 5,
    "issues_stale_after_days": 400,
    "data_pull_deadline_seconds": 120.0,  # new, like every data_pull_* (README "Issue pages")
    "data_pull_connect_timeout_seconds": 10.0,
    "data_pull_read_timeout_seconds": 30.0,
    "data_pull_max_bytes": 100 * 1024 * 1024,
    "data_pull_max_redirects": 5,
    "data_pull_redirect_hosts": (),
    "data_pull_allow_private": (),
    "newsletter_upcoming_weeks": 6,
    "newsletter_from": None,
    "newsletter_unsubscribe_url": None,
    "newsletter_unsubscribe_mailto": None,
    "newsletter_signup_url": None,  # new (README "Newsletter")
    "newsletter_address": "〒231-0005 横浜市中区本町6-50-10 横浜市役所1階",
    "newsletter_max_items": 10,
    "sns_networks": ("x", "facebook"),
    "sns_hashtags": (),
    "sns_announce": True,
    "sns_event_reminder_days": (7, 1),
    "sns_reminder_time": dt.time(9, 0),
    "sns_mastodon_limit": 500,
    "sns_since": None,
    "sns_ledger": "",  # was sns/ledger.jsonl: state/ now (README "SNS posts")
    "sns_timeout_seconds": 20.0,
    "sns_retries": 3,
    "sns_backoff_seconds": 2.0,
    "sns_max_wait_seconds": 300.0,
    "limits_file_kb": 1024,  # new: how much one content file may hold (content/frontmatter.py)
    "limits_body_kb": 512,
    "limits_list_items": 1000,
    "limits_nesting_depth": 20,
    "limits_markdown_seconds": 5.0,
    "html_iframe_hosts": (
        "www.youtube-nocookie.com",
        "www.youtube.com",
        "www.google.com",
    ),  # new: embeds a body may show
    "cms_enabled": True,  # new, like every cms_*: the web editing form at /admin/ (README "Web editing")
    "cms_backend": "github",
    "cms_repo": None,
    "cms_branch": "main",
    "cms_base_url": None,
    "cms_auth_endpoint": None,
    "cms_auth_scope": None,
    "cms_api_root": None,
    "server_url": None,  # new, like every server_*: the centre's server (README "Server")
    "server_retention_days": 365,
    "server_staff_address": None,
    "server_rate_limit_per_hour": 10,
    "server_form_token_max_age_days": 60,
    "server_allowed_origins": (),
    "server_trusted_proxies": (),
    "state_dir": "state",  # new: where operational state (ledgers) lives
}

NOW = dates.resolve_now(None)  # as `site-builder check` without --now: the clock


def settings_file(*lines: str) -> str:
    """A small mkdocs.yml whose settings start on line 5."""
    return "site_name: テスト\nsite_url: https://example.org/\nextra:\n  site_builder:\n" + "".join(
        f"    {line}\n" for line in lines
    )


def flat(settings: SiteBuilderSettings) -> dict:
    """``{key in mkdocs.yml: value}`` read back through the groups."""
    values = {}
    for key, (group, attribute) in KEYS.items():
        holder = settings if group is None else getattr(settings, group)
        values[key] = getattr(holder, attribute)
    return values


def test_a_mistyped_key_fails_check_with_its_line_and_a_suggestion(project, run_cli):
    root = project({"mkdocs.yml": settings_file("home_cases: 3", "sns_netwroks: [x, mastodon]")})
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1
    assert stderr.splitlines() == [
        "mkdocs.yml:6: extra.site_builder.sns_netwroks: unknown setting (did you mean 'sns_networks'?)",
        "1 error; nothing was written",
    ]
    code, _, stderr = run_cli("--root", root, "build", "--site-dir", root / "site", "--quiet")
    assert code == 1 and "mkdocs.yml:6: extra.site_builder.sns_netwroks: unknown setting" in stderr
    assert not (root / "site").exists()


def test_wrong_values_are_located_errors(project):
    root = project(
        {
            "mkdocs.yml": settings_file(
                "site_engine: hugo",
                "cases_per_page: twenty",
                "home_news: -1",
                "issues_stale_after_days: 0",
                "newsletter_from: センター",
                "newsletter_unsubscribe_url: http://list.example.org/unsubscribe",
                "sns_networks: [x, twitter]",
                "sns_announce: 'yes'",
                "sns_event_reminder_days: 7",
                "sns_reminder_time: 9:30",  # YAML reads 9:30 as the number 570
                "sns_since: 2026-11-31",
                "sns_timeout_seconds: '20'",
                "sns: {networks: [x]}",  # the groups are the code's, not keys
                "newsletter_signup_url: javascript:alert(1)",
                "server_url: http://forms.example.org",
                "server_allowed_origins: [https://www.example.org/path]",
            )
        }
    )
    assert pipeline.check(root, NOW).messages == [
        "mkdocs.yml:5: extra.site_builder.site_engine: must be one of 'mkdocs', 'properdocs' or 'zensical', got 'hugo'",
        "mkdocs.yml:6: extra.site_builder.cases_per_page: must be a whole number, got 'twenty'",
        "mkdocs.yml:7: extra.site_builder.home_news: must be at least 0, got -1",
        "mkdocs.yml:8: extra.site_builder.issues_stale_after_days: must be at least 1, got 0",
        "mkdocs.yml:9: extra.site_builder.newsletter_from: must be a mail address, "
        "e.g. センター <newsletter@example.org>, got 'センター'",
        "mkdocs.yml:10: extra.site_builder.newsletter_unsubscribe_url: must be an https URL "
        "(one-click unsubscribe works only over https), got 'http://list.example.org/unsubscribe'",
        "mkdocs.yml:11: extra.site_builder.sns_networks[1]: must be one of 'x', 'facebook', 'mastodon' or 'bluesky', "
        "got 'twitter'",
        "mkdocs.yml:12: extra.site_builder.sns_announce: must be true or false, got 'yes'",
        "mkdocs.yml:13: extra.site_builder.sns_event_reminder_days: must be a list, got 7",
        'mkdocs.yml:14: extra.site_builder.sns_reminder_time: must be a time of day in quotes, like "09:00", got 570',
        "mkdocs.yml:15: extra.site_builder.sns_since: '2026-11-31' is not a real date; "
        "write a date that exists, like 2021-03-01 (year-month-day)",
        "mkdocs.yml:16: extra.site_builder.sns_timeout_seconds: must be a number, got '20'",
        "mkdocs.yml:17: extra.site_builder.sns: unknown setting",
        "mkdocs.yml:18: extra.site_builder.newsletter_signup_url: must be an https URL "
        "(readers type their mail address into it), got 'javascript:alert(1)'",
        "mkdocs.yml:19: extra.site_builder.server_url: must be an https URL (readers send their name and mail "
        "address to it; http://127.0.0.1:PORT only for a preview), got 'http://forms.example.org'",
        "mkdocs.yml:20: extra.site_builder.server_allowed_origins[0]: must be an origin like https://www.example.org "
        "(no path), got 'https://www.example.org/path'",
    ]


def test_settings_errors_and_content_errors_are_listed_together(project, run_cli):
    root = project(
        {
            "mkdocs.yml": settings_file("news_per_page: 0"),
            "content/news/a.md": "---\ntitle: お知らせ\ndate: 2020-07-01\nsummery: 要約\n---\n",
        }
    )
    code, _, stderr = run_cli("--root", root, "check")
    assert code == 1
    assert stderr.splitlines() == [
        "content/news/a.md:1: summary: required field is missing",
        "content/news/a.md:4: summery: unknown field (did you mean 'summary'?)",
        "mkdocs.yml:5: extra.site_builder.news_per_page: must be at least 1, got 0",
        "3 errors; nothing was written",
    ]


def test_a_setting_written_twice_is_an_error(project):
    root = project({"mkdocs.yml": settings_file("home_cases: 3", "home_events: 2", "home_cases: 4")})
    assert pipeline.check(root, NOW).messages == [
        "mkdocs.yml:7: extra.site_builder.home_cases: duplicate field (first set on line 5)"
    ]


def test_the_repository_mkdocs_yml_is_valid():
    reporter = Reporter(PROJECT)
    config = read_config(PROJECT, reporter)
    assert reporter.messages == []
    ours = config.settings
    assert ours.sns.since == dt.datetime(2026, 12, 1, tzinfo=dates.TOKYO)
    assert ours.sns.networks == ("x", "facebook") and ours.sns.hashtags == ("横浜市市民協働推進センター",)
    assert ours.newsletter.from_ == "横浜市市民協働推進センター <newsletter@yokohama-kyodo.example>"
    assert ours.lists.cases_per_page == 20 and ours.site.twitter == "@yokohama_kyodo"
    assert ours.site.image == "assets/ogp.png"


def test_defaults_are_the_old_defaults():
    settings = SiteBuilderSettings.from_flat({})
    assert flat(settings) == OLD_DEFAULTS
    assert settings == SiteBuilderSettings()
    # Defaults that other modules also name must not drift apart.
    assert settings.newsletter.upcoming_weeks == DEFAULT_UPCOMING_WEEKS
    assert settings.sns.mastodon_limit == post_length.LIMITS["mastodon"]
    assert Network.__args__ == post_length.NETWORKS


def test_flat_keys_become_grouped_typed_attributes():
    settings = SiteBuilderSettings.from_flat(
        {
            "site_engine": "zensical",
            "cases_per_page": 12,
            "newsletter_from": "センター <news@example.org>",
            "sns_hashtags": ["#協働", 2026],
            "sns_event_reminder_days": [1, 7, 7],
            "sns_reminder_time": "18:30",
            "sns_since": "2026-12-01T10:00",
            "sns_timeout_seconds": 5,
            "state_dir": "ops",
            "server_url": "http://127.0.0.1:8030/",
            "server_staff_address": "相談窓口 <soudan@example.org>",
        }
    )
    assert settings.server.url == "http://127.0.0.1:8030" and settings.server.retention_days == 365
    assert settings.site.engine == "zensical" and settings.lists.cases_per_page == 12
    assert settings.newsletter.from_ == "センター <news@example.org>"
    assert settings.sns.hashtags == ("協働", "2026") and settings.sns.event_reminder_days == (7, 1)
    assert settings.sns.reminder_time == dt.time(18, 30) and settings.sns.timeout_seconds == 5.0
    assert settings.sns.since == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dates.TOKYO)
    assert settings.state_dir == "ops"


def test_site_builder_engine_overrides_the_setting(tmp_path, monkeypatch):
    config = Config(tmp_path, {}, SiteBuilderSettings.from_flat({"site_engine": "properdocs"}))
    monkeypatch.delenv("SITE_BUILDER_ENGINE", raising=False)
    assert config.engine == "properdocs"
    monkeypatch.setenv("SITE_BUILDER_ENGINE", "zensical")
    assert config.engine == "zensical"
    monkeypatch.setenv("SITE_BUILDER_ENGINE", "hugo")
    with pytest.raises(ConfigError) as raised:
        _ = config.engine
    assert str(raised.value) == "SITE_BUILDER_ENGINE must be one of mkdocs, properdocs, zensical, got 'hugo'"


def test_site_builder_server_url_overrides_the_setting_for_every_reader(project, monkeypatch):
    root = project({"mkdocs.yml": settings_file("server_url: https://forms.example.org")})
    monkeypatch.delenv("SITE_BUILDER_SERVER_URL", raising=False)
    assert pipeline.check(root, NOW).messages == []
    assert read_config(root, Reporter(root)).settings.server.url == "https://forms.example.org"
    monkeypatch.setenv("SITE_BUILDER_SERVER_URL", "http://127.0.0.1:8030/")
    assert read_config(root, Reporter(root)).settings.server.url == "http://127.0.0.1:8030"
    monkeypatch.setenv("SITE_BUILDER_SERVER_URL", "http://forms.example.org")
    assert pipeline.check(root, NOW).messages == [
        "mkdocs.yml:1: SITE_BUILDER_SERVER_URL: must be an https URL (readers send their name and mail address "
        "to it; http://127.0.0.1:PORT only for a preview), got 'http://forms.example.org'"
    ]
