"""``site-builder sns post --due`` against local servers speaking each network's API.

Faults are injected in the servers (429 with reset headers, 500, slow answers, a
request held while the client is killed with SIGKILL); every test ends by
counting the posts the servers hold: exactly one per planned post.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from site_builder import pipeline
from site_builder.cli import main
from site_builder.content import dates, post_length
from site_builder.content.select import select_public
from site_builder.sns.ledger import write_ledger
from site_builder.sns.plan import plan_posts
from tests.conftest import PROJECT
from tests.sns_servers import (
    EVENT,
    FAST,
    NEWS,
    BlueskyServer,
    FacebookServer,
    Fault,
    MastodonServer,
    SiteServer,
    XServer,
    sns_project,
)

NOW = "2026-11-01T10:05"
LINK = "https://www.yokohama-kyodo.example/news/hello/"
SECRETS = {
    "x": "x-token-s3cret",
    "facebook": "fb-token-s3cret",
    "mastodon": "md-token-s3cret",
    "bluesky": "bsky-app-pass-s3cret",
}
NETWORKS = ("x", "facebook", "mastodon", "bluesky")


class World:
    """A scratch project, the site and one server per network, and the environment pointing at them."""

    def __init__(self, root: Path, news: str = NEWS, now: str = NOW):
        self.now = now
        self.root = sns_project(
            root, {"content/news/hello.md": news}, sns_networks=list(NETWORKS), sns_hashtags=["協働"], **FAST
        )
        self.site = SiteServer({"/news/hello/"}).start()
        self.servers = {
            "x": XServer(SECRETS["x"]).start(),
            "facebook": FacebookServer(SECRETS["facebook"], "center").start(),
            "mastodon": MastodonServer(SECRETS["mastodon"]).start(),
            "bluesky": BlueskyServer("center.example.social", SECRETS["bluesky"]).start(),
        }
        self.env = {
            "SITE_BUILDER_SITE_URL": self.site.url,
            "SITE_BUILDER_FACEBOOK_PAGE_ID": "center",
            "SITE_BUILDER_BLUESKY_HANDLE": "center.example.social",
            "SITE_BUILDER_LANG": "en",  # these tests read the English messages
        }
        for network, server in self.servers.items():
            self.env[f"SITE_BUILDER_{network.upper()}_URL"] = server.url
            self.env[f"SITE_BUILDER_{network.upper()}_TOKEN"] = SECRETS[network]

    def configure(self, **settings) -> None:
        path = self.root / "mkdocs.yml"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        config["extra"]["site_builder"].update(settings)
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def stop(self) -> None:
        for server in [self.site, *self.servers.values()]:
            server.stop()

    def ledger(self) -> dict[str, dict]:
        path = self.root / "state" / "sns" / "ledger.jsonl"
        if not path.exists():
            return {}
        return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}

    def counts(self) -> dict[str, int]:
        return {network: len(server.posts) for network, server in self.servers.items()}

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "site_builder.cli",
            "--root",
            str(self.root),
            "sns",
            "post",
            "--due",
            "--now",
            self.now,
            *extra,
        ]

    def run(self, *extra: str) -> subprocess.CompletedProcess:
        """The command in this process (faster than a subprocess; the kill tests use one)."""
        out, err, saved = io.StringIO(), io.StringIO(), dict(os.environ)
        os.environ.clear()
        os.environ.update(self.environ())
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(self.command(*extra)[3:])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return subprocess.CompletedProcess(self.command(*extra), code, out.getvalue(), err.getvalue())

    def run_process(self, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*extra), env=self.environ(), capture_output=True, text=True, timeout=60, cwd=PROJECT
        )

    def start(self, *extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*extra),
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT,
        )

    def environ(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("SITE_BUILDER_")}
        return {**keep, **self.env}


@pytest.fixture
def world(tmp_path):
    made = World(tmp_path)
    yield made
    made.stop()


def assert_once_each(world: World) -> None:
    assert world.counts() == {network: 1 for network in NETWORKS}
    ledger = world.ledger()
    assert sorted(ledger) == [f"news/hello/announce/{n}" for n in sorted(NETWORKS)]
    assert {r["state"] for r in ledger.values()} == {"posted"}


def test_posts_once_to_every_network_and_a_rerun_sends_nothing(world):
    result = world.run()
    assert result.returncode == 0, result.stderr
    assert_once_each(world)
    (x,) = world.servers["x"].posts
    assert x["text"] == (
        "協働ラボの利用案内を更新しました\n協働ラボの利用案内を更新しました。予約の方法と、"
        "スペースA・Bの使い方をまとめています。\n" + LINK + "\n#協働"
    )
    (facebook,) = world.servers["facebook"].posts
    assert facebook["link"] == LINK and LINK not in facebook["message"]
    (mastodon,) = world.servers["mastodon"].posts
    assert mastodon["key"] == world.ledger()["news/hello/announce/mastodon"]["key"]
    (bluesky,) = world.servers["bluesky"].posts
    text = bluesky["record"]["text"].encode("utf-8")
    links = [f for f in bluesky["record"]["facets"] if f["features"][0]["$type"].endswith("#link")]
    assert [text[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in links] == [LINK]
    assert bluesky["record"]["embed"]["external"]["uri"] == LINK
    ledger = world.ledger()
    assert ledger["news/hello/announce/x"]["remote_id"] == x["id"]
    assert ledger["news/hello/announce/bluesky"]["remote_id"] == bluesky["uri"]
    again = world.run()
    assert again.returncode == 0 and again.stdout.strip() == "nothing is due"
    assert_once_each(world)
    ledger_text = (world.root / "state" / "sns" / "ledger.jsonl").read_text(encoding="utf-8")
    everything = result.stdout + result.stderr + ledger_text
    assert not [s for s in SECRETS.values() if s in everything]


def test_nothing_is_posted_before_the_page_is_live(world):
    world.site.live.clear()
    result = world.run()
    assert result.returncode == 0
    assert f"waiting: the page {world.site.url}/news/hello/ answers 404, not 200" in result.stdout
    assert world.counts() == {n: 0 for n in NETWORKS} and world.ledger() == {}
    world.site.live.add("/news/hello/")
    assert world.run().returncode == 0
    assert_once_each(world)


def test_dry_run_sends_and_writes_nothing(world):
    result = world.run("--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would post news/hello/announce/") == 4
    assert all(not s.requests for s in world.servers.values())
    assert not (world.root / "state").exists() and not (world.root / "sns").exists()


@pytest.mark.parametrize(
    "network, headers",
    [
        ("x", lambda: {"x-rate-limit-reset": str(int(time.time()) + 2)}),
        ("facebook", lambda: {"Retry-After": "1"}),
        ("mastodon", lambda: {"X-RateLimit-Reset": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))}),
        ("bluesky", lambda: {"ratelimit-reset": str(int(time.time()) + 2)}),
    ],
)
def test_429_waits_as_the_network_says_then_posts_once(world, network, headers):
    world.servers[network].faults.append(Fault(status=429, headers=headers()))
    started = time.monotonic()
    result = world.run()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 0.9
    assert "429" in result.stdout and "retrying in" in result.stdout
    assert_once_each(world)


def test_a_long_rate_limit_stops_that_network_cleanly(world):
    reset = str(int(time.time()) + 3600)
    world.servers["x"].faults.append(Fault(status=429, headers={"x-rate-limit-reset": reset}, sticky=True))
    result = world.run()
    assert result.returncode == 1
    assert re.search(
        r"news/hello/announce/x: gave up \(the network asks to wait until (\S+ \S+) Asia/Tokyo\): "
        r"x: POST /2/tweets answered 429",
        result.stderr,
    )
    shown = re.search(r"until (\S+ \S+) Asia/Tokyo", result.stderr).group(1)
    expected = dt.datetime.fromtimestamp(int(reset), tz=ZoneInfo("Asia/Tokyo"))
    assert (
        abs((dt.datetime.fromisoformat(shown).replace(tzinfo=ZoneInfo("Asia/Tokyo")) - expected).total_seconds()) <= 2
    )
    assert "stopped posting to x for this run, 1 post(s) left for the next run" in result.stderr
    assert world.counts() == {"x": 0, "facebook": 1, "mastodon": 1, "bluesky": 1}
    assert {k: world.ledger()["news/hello/announce/x"][k] for k in ("state", "maybe_sent")} == {
        "state": "failed",
        "maybe_sent": False,
    }
    world.servers["x"].faults.clear()
    world.servers["x"].timeline_forbidden = True  # a 429 surely left nothing: no need to check first
    assert world.run().returncode == 0
    assert_once_each(world)


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("created", [True, False], ids=["made-then-500", "500"])
def test_5xx_is_retried_without_a_second_post(world, network, created):
    world.servers[network].faults.append(Fault(status=500, create=created))
    result = world.run()
    assert result.returncode == 0, result.stderr
    assert_once_each(world)


@pytest.mark.parametrize("network", NETWORKS)
def test_a_timeout_after_the_post_was_made_does_not_post_twice(world, network):
    world.servers[network].faults.append(Fault(delay=2.0))  # past sns_timeout_seconds
    result = world.run()
    assert result.returncode == 0, result.stderr
    assert "timed out" in result.stdout
    assert_once_each(world)


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("created", [True, False], ids=["request-done", "request-lost"])
def test_kill_between_request_and_ledger_write_then_rerun(world, network, created):
    world.configure(sns_timeout_seconds=30)  # the client waits for its held request until it is killed
    server = world.servers[network]
    server.faults.append(Fault(hold=True, create=created))
    process = world.start()
    try:
        assert server.received.wait(30), "the held request never arrived"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == -signal.SIGKILL
    assert world.ledger()[f"news/hello/announce/{network}"]["state"] == "in-flight"
    server.release.set()
    assert server.settled.wait(30)
    assert len(server.posts) == (1 if created else 0)
    rerun = world.run()
    assert rerun.returncode == 0, rerun.stderr
    assert_once_each(world)
    assert world.ledger()[f"news/hello/announce/{network}"]["found"] is created


@pytest.fixture
def world_a_day_ahead(tmp_path):
    """``--now`` a day ahead of the clock, and the news item planned for a few minutes before
    it: every post is due, and planned later than it is really sent."""
    ahead = dt.datetime.now(ZoneInfo("Asia/Tokyo")) + dt.timedelta(days=1)
    planned = (ahead - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    made = World(tmp_path, NEWS.replace("date: 2026-11-01T10:00", f"date: {planned}"), ahead.strftime("%Y-%m-%dT%H:%M"))
    yield made
    made.stop()


@pytest.mark.parametrize("network", NETWORKS)
def test_a_kill_after_the_request_with_now_a_day_ahead_then_rerun_posts_once(world_a_day_ahead, network):
    """The rerun looks for the post from the moment the ledger says it was about to be sent
    (``intent_at``, the clock), not from its planned time, which is a day later."""
    world = world_a_day_ahead
    world.configure(sns_timeout_seconds=30)
    server = world.servers[network]
    server.faults.append(Fault(hold=True, create=True))
    process = world.start()
    try:
        assert server.received.wait(30), "the held request never arrived"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        process.kill()
    record = world.ledger()[f"news/hello/announce/{network}"]
    assert record["state"] == "in-flight"
    assert dt.datetime.fromisoformat(record["planned"]) > dt.datetime.fromisoformat(record["intent_at"])
    server.release.set()
    assert server.settled.wait(30) and len(server.posts) == 1
    rerun = world.run()
    assert rerun.returncode == 0, rerun.stderr
    assert_once_each(world)
    assert world.ledger()[f"news/hello/announce/{network}"]["found"] is True


def test_an_overlapping_run_is_refused_by_the_lock(world):
    world.configure(sns_timeout_seconds=30)  # the first run waits for its held request
    world.servers["x"].faults.append(Fault(hold=True, create=True))
    first = world.start()
    try:
        assert world.servers["x"].received.wait(30)
        second = world.run_process()
        assert second.returncode == 75
        assert "another `sns post` run holds" in second.stderr
        world.servers["x"].release.set()
        first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0
    assert_once_each(world)


def test_credentials_are_never_printed(world):
    world.env["SITE_BUILDER_X_TOKEN"] = "wrong-s3cret-token"
    result = world.run()
    assert result.returncode == 1
    assert "x: POST /2/tweets answered 401" in result.stderr
    assert world.servers["x"].requests  # the server saw the token and echoed it back
    ledger_text = (world.root / "state" / "sns" / "ledger.jsonl").read_text(encoding="utf-8")
    everything = result.stdout + result.stderr + ledger_text
    assert "wrong-s3cret-token" not in everything and "***" in everything
    assert not [s for s in SECRETS.values() if s in everything]


def test_missing_credentials_are_named_not_shown(world):
    del world.env["SITE_BUILDER_MASTODON_TOKEN"]
    del world.env["SITE_BUILDER_BLUESKY_HANDLE"]
    result = world.run()
    assert result.returncode == 1
    assert "error: mastodon: set SITE_BUILDER_MASTODON_TOKEN to post; 1 due post(s) not sent" in result.stderr
    assert "error: bluesky: set SITE_BUILDER_BLUESKY_HANDLE to post; 1 due post(s) not sent" in result.stderr
    assert world.counts() == {"x": 1, "facebook": 1, "mastodon": 0, "bluesky": 0}


def test_kill_at_any_moment_then_rerun(world):
    """SIGKILL at moments spread over whole runs (answers are slowed down so that many
    land between a request and its ledger write); then one full run: one post each."""
    world.configure(sns_timeout_seconds=30)
    for server in world.servers.values():
        server.faults.append(Fault(delay=0.25, sticky=True))
    for delay in (0.9, 1.1, 1.25, 1.4, 1.6):
        process = world.start()
        time.sleep(delay)
        process.kill()
        process.communicate(timeout=30)
    for server in world.servers.values():
        server.faults.clear()
    result = world.run()
    assert result.returncode == 0, result.stderr
    assert_once_each(world)


def test_an_in_flight_post_that_cannot_be_checked_is_left_in_doubt(world):
    world.servers["x"].timeline_forbidden = True
    write_ledger(
        world.root / "state" / "sns" / "ledger.jsonl",
        {
            "news/hello/announce/x": {
                "id": "news/hello/announce/x",
                "state": "in-flight",
                "network": "x",
                "text": "前回の本文",
                "link": LINK,
                "planned": "2026-11-01T10:00:00+09:00",
                "intent_at": "2026-11-01T10:05:00+09:00",
                "attempts": 1,
            }
        },
    )
    result = world.run()
    assert result.returncode == 1
    assert (
        "error: news/hello/announce/x: in doubt: it may have been sent, and x: GET /2/users/4242/tweets answered 403"
        in result.stderr
    )
    assert world.counts() == {"x": 0, "facebook": 1, "mastodon": 1, "bluesky": 1}
    assert world.ledger()["news/hello/announce/x"]["state"] == "in-flight"


def test_without_a_trace_in_the_ledger_a_post_goes_even_if_the_timeline_cannot_be_read(world):
    world.servers["x"].timeline_forbidden = True
    assert world.run().returncode == 0
    assert_once_each(world)


def test_a_wrong_bluesky_app_password_stops_bluesky_only(world):
    world.env["SITE_BUILDER_BLUESKY_TOKEN"] = "not-the-app-password"
    result = world.run()
    assert result.returncode == 1
    assert (
        "error: bluesky: POST /xrpc/com.atproto.server.createSession answered 401 "
        '{"error": "AuthenticationRequired"}; stopped posting to bluesky for this run'
    ) in result.stderr
    assert world.counts() == {"x": 1, "facebook": 1, "mastodon": 1, "bluesky": 0}
    assert "news/hello/announce/bluesky" not in world.ledger()


def test_the_scheduled_workflow_posts_every_15_minutes_and_commits_the_ledger():
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "sns.yml").read_text(encoding="utf-8"))
    assert workflow[True]["schedule"] == [{"cron": "*/15 * * * *"}]  # YAML 1.1 reads `on:` as true
    assert workflow["concurrency"] == {"group": "sns-post", "cancel-in-progress": False}
    steps = workflow["jobs"]["post"]["steps"]
    post = next(s for s in steps if s.get("name") == "Post what is due")
    assert post["run"] == "site-builder sns post --due"
    assert all(value.startswith("${{ ") for value in post["env"].values())  # secrets and variables, no values
    commit = next(s for s in steps if s.get("name") == "Commit the ledger")
    assert commit["if"] == "always()" and "git add state/sns/ledger.jsonl" in commit["run"]


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach a network fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the dry run tried to contact something")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(httpx.Client, "__init__", refuse)
    monkeypatch.setenv("SITE_BUILDER_SITE_URL", "http://site.invalid:9/")  # nothing answers there


def test_dry_run_alone_shows_every_text_offline(tmp_path, run_cli, offline):
    root = sns_project(
        tmp_path,
        {"content/news/hello.md": NEWS, "events/forum.md": EVENT},
        sns_networks=list(NETWORKS),
        sns_event_reminder_days=[7],
    )
    code, out, err = run_cli("--root", root, "sns", "post", "--dry-run", "--now", "2026-11-02T00:00")
    assert code == 0, err
    now = dates.as_instant(dates.parse_time("2026-11-02T00:00"))
    config, content = pipeline.load_valid(root, now)
    published = select_public(content, now)
    posts = plan_posts(published, config.settings.sns, config.site_url)
    assert len(posts) == 12  # two announcements and one reminder on four networks
    for post in posts:
        length, limit = post_length.measure(post.network, post.text)
        verb = "later" if post.id.startswith("events/forum/remind-") else "would post"
        heading = f"{verb} {post.id} ({post.network}, {length}/{limit}, planned {post.time:%Y-%m-%d %H:%M}):"
        assert heading + "\n" + "\n".join("    " + line for line in post.text.splitlines()) in out
    assert "dry run: 8 due now, 4 later; nothing was contacted or sent" in err
    assert not (root / "state").exists()
    # With --due, only what is due now; in Japanese, the way each network counts is said.
    code, out, _ = run_cli(
        "--root", root, "--lang", "ja", "sns", "post", "--due", "--dry-run", "--now", "2026-11-02T00:00"
    )
    assert code == 0 and out.count("投稿します ") == 8 and "あとで" not in out
    x = next(p for p in posts if p.id == "news/hello/announce/x")
    length = post_length.measure("x", x.text)[0]
    assert (
        f"投稿します news/hello/announce/x: x、{length}/280字（全角は2、URL は23 と数えます）、予定 2026-11-01 10:00"
        in out
    )


def test_post_without_due_or_dry_run_says_which_to_choose(tmp_path, run_cli, offline):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x"])
    code, out, err = run_cli("--root", root, "sns", "post", "--now", "2026-11-02T00:00")
    assert code == 2 and out == ""
    assert "`sns post --due` posts what is due, `sns post --dry-run` shows the texts" in err
