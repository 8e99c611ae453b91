"""``site-builder sns plan`` and ``site-builder sns post --due``.

Posting, for each due post of each network, in time order:

    page live? → already on the network? → ledger: intent → request → ledger: result

A post whose page does not answer 200 yet waits for the next run. Before sending,
the adapter looks for the post on the network (a rerun after a kill, or a ledger
that was not committed); an ``in-flight`` or ``failed`` record whose lookup fails
is left alone ("in doubt") rather than risk a second post. 429 and 5xx are retried
with exponential backoff, waiting as long as Retry-After or the rate-limit reset
header says (up to ``sns_max_wait_seconds``); after a 5xx or a timeout the network
is checked again before the retry. When the retries are used up the network stops
for this run with a message, the ledger says ``failed`` and the exit code is 1.

``sns post --dry-run`` (``dry_run``) contacts nothing: it prints each text still to
be sent, due now or later, with its network, planned time and length.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from site_builder.content import dates, post_length
from site_builder.content.i18n import ERROR, bi, japanese, text
from site_builder.sns.ledger import Ledger
from site_builder.sns.networks import ADAPTERS, Adapter, NetworkError, Receipt, Rejected, Unsure, read_credentials
from site_builder.sns.plan import Post, Settings, status_of

SENDABLE = ("due", "failed", "in-flight")
IDEMPOTENCY_KEY_LIFETIME = dt.timedelta(minutes=50)  # Mastodon keeps keys for an hour
# How each network counts a text's length (``content.post_length``), said in the dry run.
COUNTED = {
    "x": "（全角は2、URL は23 と数えます）",
    "facebook": "",
    "mastodon": "（URL は23 と数えます）",
    "bluesky": "（見た目の1文字を1と数えます）",
}


class StopNetwork(Exception):
    """No more posts to this network in this run."""


@dataclass
class Runner:
    settings: Settings
    ledger: Ledger
    site_base: str
    now: dt.datetime
    environ: dict = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    problems: int = 0
    _live: dict = field(default_factory=dict)

    def run(self, posts: list[Post]) -> int:
        due = [p for p in posts if status_of(p, self.ledger.get(p.id), self.now) in SENDABLE]
        if not due:
            say(bi("nothing is due", "今、投稿する時刻が来たものはありません。"))
            return 0
        with httpx.Client(timeout=self.settings.timeout_seconds, follow_redirects=False) as client:
            for network in post_length.NETWORKS:
                mine = [p for p in due if p.network == network]
                if mine:
                    self.run_network(network, mine, client)
        return 1 if self.problems else 0

    def run_network(self, network: str, posts: list[Post], client: httpx.Client) -> None:
        credentials = read_credentials(network, self.environ)
        if isinstance(credentials, str):
            return self.fail(
                bi(
                    f"{credentials}; {len(posts)} due post(s) not sent",
                    f"{credentials}（設定がないので、{network} への {len(posts)} 件の投稿は送っていません）",
                )
            )
        adapter = ADAPTERS[network](credentials, client, self.clock)
        try:
            self.connect(adapter)
            for post in posts:
                try:
                    self.send(adapter, post, client)
                except _Skip:
                    continue
        except StopNetwork as exc:
            left = len(posts) - sum(1 for p in posts if (self.ledger.get(p.id) or {}).get("state") == "posted")
            reason = exc.args[0]
            self.fail(
                bi(
                    f"{reason}; stopped posting to {network} for this run, {left} post(s) left for the next run",
                    f"{japanese(reason)}（今回は {network} への投稿をやめました。残り {left} 件は次の実行で送ります）",
                )
            )

    def connect(self, adapter: Adapter) -> None:
        try:
            adapter.connect()
        except NetworkError as exc:
            raise StopNetwork(exc.message) from None

    def send(self, adapter: Adapter, post: Post, client: httpx.Client) -> None:
        if not self.page_is_live(post, client):
            return
        record = self.ledger.get(post.id)
        intent = _intent_of(record) or adapter.intent(post)
        try:
            found = adapter.find(post, intent)
        except NetworkError as exc:
            doubtful = record and (record.get("state") == "in-flight" or record.get("maybe_sent", True))
            if doubtful and not (adapter.idempotent and self.fresh(record)):
                return self.fail(
                    bi(
                        f"{post.id}: in doubt: it may have been sent, and {exc.message}; "
                        f"check {post.network} and try again later",
                        f"{post.id}: 送られたかどうか分かりません（{exc.message}）。"
                        f"{post.network} で投稿があるかを確かめて、あとでもう一度実行してください",
                    )
                )
            found = None  # the ledger says it never went out from here
        if found is not None:
            return self.record(post, found, "found")
        if post.expires is not None and self.now >= post.expires:  # an interrupted post, now too late
            return self.ledger.record_failed(post.id, "expired before it could be sent", self.stamp())
        intent = {**intent, "intent_at": self.ledger.record_intent(post.id, intent, self.stamp())["intent_at"]}
        self.record(post, self.attempt(adapter, post, intent), "sent")

    def attempt(self, adapter: Adapter, post: Post, intent: dict) -> Receipt:
        """Send, retrying 429 and 5xx with backoff; a ``Receipt`` or ``StopNetwork``."""
        uncertain = False  # some attempt may have made the post
        for number in range(self.settings.retries + 1):
            try:
                return adapter.publish(post, intent)
            except Rejected as exc:
                self.ledger.record_failed(post.id, exc.message, self.stamp(), maybe_sent=uncertain)
                if exc.status in (401, 403):
                    raise StopNetwork(exc.message) from None
                self.fail(bi(f"{post.id}: {exc.message}", f"{post.id}: 投稿を断られました: {exc.message}"))
                raise _Skip() from None
            except NetworkError as exc:
                problem = exc
            uncertain = uncertain or isinstance(problem, Unsure)
            wait = problem.wait if problem.wait is not None else self.settings.backoff_seconds * 2**number
            if number == self.settings.retries or wait > self.settings.max_wait_seconds:
                self.ledger.record_failed(post.id, problem.message, self.stamp(), maybe_sent=uncertain)
                resume = self.wall() + dt.timedelta(seconds=wait)
                why = bi(f"{number + 1} attempts", f"{number + 1} 回試しました")
                if wait > self.settings.max_wait_seconds:
                    why = bi(
                        f"the network asks to wait until {resume:%Y-%m-%d %H:%M:%S} Asia/Tokyo",
                        f"{resume:%Y-%m-%d %H:%M:%S}（日本時間）まで待つように言われました",
                    )
                raise StopNetwork(
                    bi(
                        f"{post.id}: gave up ({why}): {problem.message}",
                        f"{post.id}: あきらめました（{why.ja}）: {problem.message}",
                    )
                )
            say(
                bi(
                    f"{post.id}: {problem.message}; retrying in {wait:.1f} s",
                    f"{post.id}: {problem.message}（{wait:.1f} 秒後にもう一度試します）",
                )
            )
            self.sleep(wait)
            if isinstance(problem, Unsure) and not adapter.idempotent:
                found = self.look_again(adapter, post, intent)
                if found is not None:
                    return found
        raise AssertionError("unreachable")

    def look_again(self, adapter: Adapter, post: Post, intent: dict) -> Receipt | None:
        adapter.forget()
        try:
            return adapter.find(post, intent)
        except NetworkError as exc:
            self.ledger.record_failed(post.id, exc.message, self.stamp())
            raise StopNetwork(
                bi(
                    f"{post.id}: in doubt after a failed request, and {exc.message}",
                    f"{post.id}: 送信が失敗したあと、送られたかどうか確かめられません（{exc.message}）",
                )
            ) from None

    def record(self, post: Post, receipt: Receipt, how: str) -> None:
        self.ledger.record_posted(post.id, receipt.remote_id, receipt.remote_url, self.stamp(), how)
        verb = (
            bi("posted", "投稿しました")
            if how == "sent"
            else bi("already posted, recorded", "投稿済みだったので記録しました")
        )
        where = f"{post.id} → {receipt.remote_id}" + (f" {receipt.remote_url}" if receipt.remote_url else "")
        say(bi(f"{verb}: {where}", f"{verb.ja}: {where}"))

    def page_is_live(self, post: Post, client: httpx.Client) -> bool:
        url = self.site_base.rstrip("/") + post.item
        if url not in self._live:
            try:
                answer = str(client.get(url).status_code)
            except httpx.HTTPError as exc:
                answer = type(exc).__name__
            self._live[url] = answer
        if self._live[url] != "200":
            answer = self._live[url]
            say(
                bi(
                    f"{post.id}: waiting: the page {url} answers {answer}, not 200",
                    f"{post.id}: 待ちます: ページ {url} がまだ公開されていません"
                    f"（応答 {answer}、200 になったら投稿します）",
                )
            )
            return False
        return True

    def fresh(self, record: dict) -> bool:
        started = record.get("intent_at")
        return bool(started) and dt.datetime.fromisoformat(started) > self.wall() - IDEMPOTENCY_KEY_LIFETIME

    def fail(self, message: str) -> None:
        self.problems += 1
        print(f"{text(ERROR)}: {text(message)}", file=sys.stderr, flush=True)

    def wall(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), tz=dates.TOKYO)

    def stamp(self) -> str:
        return self.wall().isoformat(timespec="seconds")


class _Skip(Exception):
    """This post failed for good in this run; go on with the next one."""


def _intent_of(record: dict | None) -> dict | None:
    """The intent written by an earlier run: retry exactly what it sent, and look for it on
    the network from when it was written (``intent_at``)."""
    if record and record.get("state") in ("in-flight", "failed") and "text" in record:
        return {k: record[k] for k in ("network", "text", "link", "planned", "key", "rkey", "intent_at") if k in record}
    return None


def say(message: str) -> None:
    print(text(message), flush=True)


def dry_run(posts: list[Post], ledger: Ledger, now: dt.datetime, settings: Settings, due_only: bool = False) -> int:
    """``sns post --dry-run``: each post not sent yet, due now or later (only the due ones
    with ``--due``), with its network, planned time and length as that network counts it
    (``content.post_length``), then its text. Offline: the ledger is read, nothing is
    contacted; the real run also waits until each page is live."""
    wanted = SENDABLE if due_only else (*SENDABLE, "queued")
    shown = [(post, status_of(post, ledger.get(post.id), now)) for post in posts]
    shown = [(post, status) for post, status in shown if status in wanted]
    for post, status in shown:
        length, limit = post_length.measure(post.network, post.text, settings.mastodon_limit)
        when = f"{post.time:%Y-%m-%d %H:%M}"
        facts = f"{post.network}, {length}/{limit}, planned {when}"
        facts_ja = f"{post.network}、{length}/{limit}字{COUNTED[post.network]}、予定 {when}"
        body = "\n".join("    " + line for line in post.text.splitlines())
        if status == "queued":
            say(bi(f"later {post.id} ({facts}):\n{body}", f"あとで {post.id}: {facts_ja}（まだ時刻前）\n{body}"))
        else:
            say(bi(f"would post {post.id} ({facts}):\n{body}", f"投稿します {post.id}: {facts_ja}\n{body}"))
    due = sum(1 for _, status in shown if status != "queued")
    print(
        text(
            bi(
                f"dry run: {due} due now, {len(shown) - due} later; nothing was contacted or sent "
                "(a real run posts a text only once its page answers 200)",
                f"試し（dry run）: 今送るもの {due} 件、あとで送るもの {len(shown) - due} 件。"
                "どこにも接続せず、何も送っていません（本番では、ページが公開されてから投稿します）。",
            )
        ),
        file=sys.stderr,
    )
    return 0
