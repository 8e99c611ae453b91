"""The SNS queue (planning and the queue view) and the text that fits each network."""

from __future__ import annotations

import json

import regex
from twitter_text import parse_tweet

from site_builder import pipeline
from site_builder.content import dates, post_length
from site_builder.content.select import select_public
from site_builder.sns import text as sns_text
from site_builder.sns.ledger import write_ledger
from site_builder.sns.plan import plan_posts
from tests.sns_servers import EVENT, NEWS, sns_project

SITE = "https://www.yokohama-kyodo.example"


def queue(root, now: str):
    moment = dates.as_instant(dates.parse_time(now))
    config, content, reporter = pipeline.load(root, moment)
    assert reporter.ok, reporter.messages
    published = select_public(content, moment)
    return plan_posts(published, config.settings.sns, config.site_url)


def test_defaults_announce_each_item_and_remind_of_events(tmp_path):
    root = sns_project(
        tmp_path,
        {"content/news/hello.md": NEWS, "events/forum.md": EVENT},
        sns_networks=["x", "mastodon"],
        sns_hashtags=["#協働"],
        sns_event_reminder_days=[1, 7],
    )
    posts = queue(root, "2026-11-02T00:00")
    assert [(p.id, p.time.isoformat()) for p in posts] == [
        ("events/forum/announce/mastodon", "2026-11-01T10:00:00+09:00"),
        ("events/forum/announce/x", "2026-11-01T10:00:00+09:00"),
        ("news/hello/announce/mastodon", "2026-11-01T10:00:00+09:00"),
        ("news/hello/announce/x", "2026-11-01T10:00:00+09:00"),
        ("events/forum/remind-7d/mastodon", "2026-11-13T09:00:00+09:00"),
        ("events/forum/remind-7d/x", "2026-11-13T09:00:00+09:00"),
        ("events/forum/remind-1d/mastodon", "2026-11-19T09:00:00+09:00"),
        ("events/forum/remind-1d/x", "2026-11-19T09:00:00+09:00"),
    ]
    reminder = next(p for p in posts if p.id == "events/forum/remind-1d/x")
    assert reminder.text == (
        "【明日開催】みらいリンクフォーラム\n日時：2026年11月20日(金) 14:00–17:00\n"
        "協働の今と未来を学ぶフォーラムです。\n" + SITE + "/events/forum/\n#協働"
    )
    assert reminder.expires.isoformat() == "2026-11-20T14:00:00+09:00"
    assert next(p for p in posts if p.id == "news/hello/announce/x").link == SITE + "/news/hello/"


def test_nothing_before_its_publish_time_and_no_drafts(tmp_path):
    later = NEWS.replace("2026-11-01T10:00", "2026-12-01T10:00")
    draft = NEWS.replace("date:", "draft: true\ndate:")
    root = sns_project(tmp_path, {"content/news/later.md": later, "content/news/draft.md": draft}, sns_networks=["x"])
    assert queue(root, "2026-11-30T23:59") == []
    assert [p.id for p in queue(root, "2026-12-01T10:00")] == ["news/later/announce/x"]


def test_an_sns_list_replaces_the_defaults_and_false_means_never(tmp_path):
    custom = EVENT.replace(
        "venue:",
        """sns:
  - network: x
    at: 2026-11-05T12:00
    text: 手書きの告知です。ぜひご参加ください。
  - network: bluesky
  - network: facebook
    at: 2026-10-01T09:00
venue:""",
    )
    silent = NEWS.replace("summary:", "sns: false\nsummary:")
    root = sns_project(tmp_path, {"events/custom.md": custom, "content/news/silent.md": silent}, sns_networks=["x"])
    posts = queue(root, "2026-11-02T00:00")
    assert [(p.id, p.time.isoformat()) for p in posts] == [
        ("events/custom/announce/bluesky", "2026-11-01T10:00:00+09:00"),
        ("events/custom/at-20261001T0900/facebook", "2026-11-01T10:00:00+09:00"),  # never before it is public
        ("events/custom/at-20261105T1200/x", "2026-11-05T12:00:00+09:00"),
    ]
    handwritten = posts[2]
    assert (
        handwritten.handwritten
        and handwritten.text == "手書きの告知です。ぜひご参加ください。\n" + SITE + "/events/custom/"
    )


def test_reminders_skip_cancelled_events_and_times_before_the_announcement(tmp_path):
    cancelled = EVENT.replace("venue:", "status: cancelled\nvenue:")
    short_notice = EVENT.replace("date: 2026-11-01T10:00", "date: 2026-11-17T10:00")
    root = sns_project(tmp_path, {"events/cancelled.md": cancelled, "events/soon.md": short_notice}, sns_networks=["x"])
    ids = [p.id for p in queue(root, "2026-11-18T00:00")]
    assert ids == ["events/cancelled/announce/x", "events/soon/announce/x", "events/soon/remind-1d/x"]


def test_sns_since_keeps_history_out_of_the_queue(tmp_path):
    root = sns_project(
        tmp_path,
        {"content/news/hello.md": NEWS, "events/forum.md": EVENT},
        sns_networks=["facebook"],
        sns_since="2026-11-15",
    )
    assert [p.id for p in queue(root, "2026-11-16T00:00")] == ["events/forum/remind-1d/facebook"]


def test_plan_command_shows_the_queue_with_what_went_out(tmp_path, run_cli):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS, "events/forum.md": EVENT}, sns_networks=["x"])
    write_ledger(
        root / "state" / "sns" / "ledger.jsonl",
        {
            "news/hello/announce/x": {
                "id": "news/hello/announce/x",
                "state": "posted",
                "remote_id": "1859",
                "remote_url": "https://x.com/i/web/status/1859",
                "result_at": "2026-11-01T10:03:00+09:00",
            }
        },
    )
    code, out, err = run_cli("--root", root, "sns", "plan", "--json", "--now", "2026-11-13T09:00")
    assert code == 0, err
    rows = {row["id"]: row for row in json.loads(out)["posts"]}
    assert {k: (v["status"], v["remote_id"]) for k, v in rows.items()} == {
        "events/forum/announce/x": ("due", None),
        "news/hello/announce/x": ("posted", "1859"),
        "events/forum/remind-7d/x": ("due", None),
        "events/forum/remind-1d/x": ("queued", None),
    }
    assert rows["news/hello/announce/x"]["length"] == parse_tweet(rows["news/hello/announce/x"]["text"]).weightedLength
    code, out, err = run_cli("--root", root, "sns", "plan", "--now", "2026-11-13T09:00")
    lines = out.splitlines()
    assert lines[0] == "2026年11月1日(日)"
    assert lines[1].split()[:3] == ["10:00", "x", "due"]
    assert lines[2].split()[:3] == ["10:00", "x", "posted"]
    assert lines[3].split() == ["→", "1859", "at", "2026-11-01", "10:03"]
    assert "2026年11月13日(金)" in lines and "2026年11月19日(木)" in lines
    assert [line.split()[2] for line in lines if line.startswith("  09:00")] == ["due", "queued"]


def test_handwritten_text_over_the_limit_is_a_content_error(tmp_path, run_cli):
    too_long = NEWS.replace("summary:", "sns:\n  - network: x\n    text: " + "あ" * 141 + "\nsummary:")
    root = sns_project(tmp_path, {"content/news/long.md": too_long})
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    assert err.splitlines() == [
        "content/news/long.md:6: sns[0].text: text is 282 weighted characters, over x's limit of 280",
        "1 error; nothing was written",
    ]


def test_handwritten_text_over_a_smaller_mastodon_instance_limit_is_flagged(tmp_path):
    text = "あ" * 120
    news = NEWS.replace("summary:", f"sns:\n  - network: mastodon\n    text: {text}\nsummary:")
    root = sns_project(tmp_path, {"content/news/m.md": news}, sns_mastodon_limit=100)
    (post,) = queue(root, "2026-11-02T00:00")
    assert post.problem == "text is 120 characters, over mastodon's limit of 100"


# --- text that fits -------------------------------------------------------

LINK = "https://www.yokohama-kyodo.jp/news/" + "a" * 60 + "/"  # a real TLD: twitter-text only weighs those as 23


def test_x_text_is_shortened_at_a_comma_with_an_ellipsis():
    summary = "あ" * 50 + "。" + "い" * 40 + "、" + "う" * 40 + "。"
    draft = sns_text.Draft("タイトル", summary, LINK, ("横浜", "協働"))
    assert parse_tweet(sns_text.assemble(draft)).weightedLength == 311  # 8+1+266+1+23+1+11
    text = sns_text.compose("x", draft)
    assert text == "タイトル\n" + "あ" * 50 + "。" + "い" * 40 + "…\n" + LINK + "\n#横浜 #協働"
    assert parse_tweet(text).weightedLength == 229


def test_x_text_without_punctuation_is_cut_at_a_character_to_the_last_weight():
    draft = sns_text.Draft("タイトル", "え" * 200, LINK, ("横浜", "協働"))
    text = sns_text.compose("x", draft)
    assert text == "タイトル\n" + "え" * 116 + "…\n" + LINK + "\n#横浜 #協働"
    assert parse_tweet(text).weightedLength == 279  # one more え would make 281


def test_links_and_hashtags_are_never_cut_only_left_out_whole():
    draft = sns_text.Draft(
        "あ" * 100, "い" * 200, LINK, ("横浜市市民協働推進センター", "協働"), "【明日開催】", "日時：" + "う" * 30
    )
    text = sns_text.compose("x", draft)
    assert text == "【明日開催】" + "あ" * 100 + "\n" + LINK
    assert parse_tweet(text).weightedLength == 236


def test_bluesky_counts_graphemes_and_sends_links_as_facets_at_byte_offsets():
    family, ga = "👨\u200d👩\u200d👧", "か\u3099"
    assert post_length.measure("bluesky", family + ga) == (2, 300)
    draft = sns_text.Draft("協働ラボ" + family, "予約の方法をまとめました。", LINK, ("横浜",))
    text = sns_text.compose("bluesky", draft)
    assert text == "協働ラボ" + family + "\n予約の方法をまとめました。\n" + LINK + "\n#横浜"
    encoded = text.encode("utf-8")
    facets = sns_text.facets(text)
    assert [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets] == [LINK, "#横浜"]
    assert facets[0]["index"]["byteStart"] == len("協働ラボ".encode()) + len(family.encode()) + 1 + 13 * 3 + 1
    assert facets[0]["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}]
    assert facets[1]["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "横浜"}]


def test_bluesky_long_text_fits_300_graphemes():
    draft = sns_text.Draft("タイトル", "お" * 150 + "、" + "か" * 150, LINK, ())
    text = sns_text.compose("bluesky", draft)
    assert text == "タイトル\n" + "お" * 150 + "…\n" + LINK
    assert len(regex.findall(r"\X", text)) == 4 + 1 + 151 + 1 + len(LINK) <= 300


def test_mastodon_counts_a_url_as_23_within_the_instance_limit():
    assert post_length.measure("mastodon", "あ " + LINK) == (25, 500)
    draft = sns_text.Draft("タイトル", "き" * 200 + "。", LINK, ("横浜",))
    assert (
        sns_text.compose("mastodon", draft, mastodon_limit=100) == "タイトル\n" + "き" * 66 + "…\n" + LINK + "\n#横浜"
    )
    assert post_length.measure("mastodon", sns_text.compose("mastodon", draft, mastodon_limit=100), 100) == (100, 100)


def test_facebook_takes_the_link_beside_the_message():
    draft = sns_text.Draft("タイトル", "要約です。", LINK, ("横浜",))
    assert sns_text.compose("facebook", draft) == "タイトル\n要約です。\n#横浜"
