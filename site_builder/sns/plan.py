"""The SNS queue: which posts go out when, planned from public content and settings.

Pure functions, no I/O: ``plan_posts(published, settings, site_url)`` returns every
post of every public item, sorted by time. Without an ``sns`` block an item is
announced on each default network at its publish time, and an event is reminded of
``sns_event_reminder_days`` days before it starts (at ``sns_reminder_time``). An
``sns`` list replaces those defaults with exactly its posts; ``sns: false`` means
none. A post never goes before its item is public, and nothing scheduled before
``sns_since`` is ever sent (the channel's go-live date: older posts are history).

Each post has a stable id, ``<item path>/<purpose>/<network>``, e.g.
``events/mirai-link-2020-1/remind-7d/x``: the ledger records it so that a post is
sent exactly once, whatever is edited afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from site_builder.content import dates, post_length
from site_builder.content.events import present_event
from site_builder.content.readers import Entry
from site_builder.content.select import Published
from site_builder.content.settings import SnsSettings
from site_builder.sns import text as sns_text

# ``extra.site_builder.sns_*`` in mkdocs.yml, typed and validated with the other settings.
Settings = SnsSettings


@dataclass(frozen=True)
class Post:
    """One post to one network: what, where and when."""

    id: str
    network: str
    time: dt.datetime
    text: str
    link: str
    item: str  # the item's site path, e.g. /events/foo/
    title: str
    summary: str
    image: str | None = None
    expires: dt.datetime | None = None  # too late to send from then on
    handwritten: bool = False
    problem: str | None = None  # why it cannot be sent as planned
    notes: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """Idempotency key (Mastodon) derived from the id alone."""
        return "site-builder-" + hashlib.sha256(self.id.encode("utf-8")).hexdigest()[:40]


def plan_posts(published: Published, settings: Settings, site_url: str) -> list[Post]:
    """Every post of every public item, sorted by time then id."""
    posts: list[Post] = []
    for entry in published.items():
        posts.extend(plan_item(entry, settings, site_url))
    if settings.since is not None:
        posts = [p for p in posts if p.time >= settings.since]
    return sorted(posts, key=lambda p: (p.time, p.id))


def plan_item(entry: Entry, settings: Settings, site_url: str) -> list[Post]:
    meta = entry.meta
    if meta.sns is False:
        return []
    planned: list[tuple[str, str, dt.datetime, str | None, str]] = []  # purpose, network, time, text, lead
    if meta.sns:
        for wish in meta.sns:
            purpose = "announce" if wish.at is None else "at-" + wish.at.astimezone(dates.TOKYO).strftime("%Y%m%dT%H%M")
            time = max(wish.at or meta.date, meta.date)
            planned.append((purpose, wish.network, time, wish.text, ""))
    else:
        if settings.announce:
            planned += [("announce", network, meta.date, None, "") for network in settings.networks]
        for days, time in reminders(entry, settings):
            lead = "【明日開催】" if days == 1 else f"【{days}日後に開催】"
            planned += [(f"remind-{days}d", network, time, None, lead) for network in settings.networks]
    return _posts(entry, planned, settings, site_url)


def reminders(entry: Entry, settings: Settings) -> list[tuple[int, dt.datetime]]:
    """``(days, time)`` of each reminder of an event: after its announcement, before it starts."""
    meta = entry.meta
    if entry.kind != "event" or not present_event(meta).reminded:
        return []
    start = dates.as_instant(meta.start)
    found = []
    for days in settings.event_reminder_days:
        day = start.astimezone(dates.TOKYO).date() - dt.timedelta(days=days)
        time = dt.datetime.combine(day, settings.reminder_time, tzinfo=dates.TOKYO)
        if meta.date < time < start:
            found.append((days, time))
    return found


def _posts(entry: Entry, planned: list, settings: Settings, site_url: str) -> list[Post]:
    meta = entry.meta
    link = site_url.rstrip("/") + entry.url
    image = site_url.rstrip("/") + entry.image_path if entry.image_path else None
    expires = meta.ends_at if entry.kind == "event" else None
    posts, seen = [], set()
    for purpose, network, time, text, lead in planned:
        post_id = f"{entry.url.strip('/')}/{purpose}/{network}"
        while post_id in seen:  # the same network twice at the same time
            post_id += "+"
        seen.add(post_id)
        until = dates.as_instant(meta.start) if purpose.startswith("remind-") else expires
        body, problem, notes = write_text(entry, network, text, lead, link, settings)
        posts.append(
            Post(
                post_id,
                network,
                time.astimezone(dates.TOKYO),
                body,
                link,
                entry.url,
                meta.title,
                meta.summary,
                image,
                until,
                text is not None,
                problem,
                notes,
            )
        )
    return posts


def write_text(
    entry: Entry, network: str, text: str | None, lead: str, link: str, settings: Settings
) -> tuple[str, str | None, tuple[str, ...]]:
    """``(text, problem, notes)``: the hand-written text with its link, or a generated one."""
    limit = settings.mastodon_limit
    if text is not None:
        problem = post_length.overflow(network, text, limit)
        full = sns_text.with_link(network, text, link, limit)
        notes = (
            ()
            if full != text or network == "facebook" or link in text
            else ("link left out: the text is too long for it",)
        )
        return full, problem, notes
    draft = sns_text.Draft(entry.meta.title, entry.meta.summary, link, settings.hashtags, lead, event_when(entry))
    return sns_text.compose(network, draft, limit), None, ()


def event_when(entry: Entry) -> str:
    if entry.kind != "event":
        return ""
    return present_event(entry.meta).when_line


# --- the queue view ---------------------------------------------------------


def status_of(post: Post, record: dict | None, now: dt.datetime) -> str:
    """queued / due / in-flight / posted / failed / expired / error."""
    state = (record or {}).get("state")
    if state in ("posted", "in-flight"):
        return state
    if post.problem:
        return "error"
    if post.expires is not None and now >= post.expires:
        return "expired"
    if state == "failed":
        return "failed"
    return "due" if post.time <= now else "queued"


def queue_rows(
    posts: list[Post], records: dict[str, dict], now: dt.datetime, mastodon_limit: int = post_length.LIMITS["mastodon"]
) -> list[dict]:
    """The queue as plain data (``sns plan --json``)."""
    rows = []
    for post in posts:
        record = records.get(post.id) or {}
        length, limit = post_length.measure(post.network, post.text, mastodon_limit)
        rows.append(
            {
                "id": post.id,
                "network": post.network,
                "time": post.time.isoformat(),
                "status": status_of(post, record, now),
                "text": post.text,
                "link": post.link,
                "image": post.image,
                "length": length,
                "limit": limit,
                "handwritten": post.handwritten,
                "problem": post.problem,
                "notes": list(post.notes),
                "remote_id": record.get("remote_id"),
                "remote_url": record.get("remote_url"),
                "posted_at": record.get("result_at") if record.get("state") == "posted" else None,
                "error": record.get("error"),
            }
        )
    return rows


def render_queue(rows: list[dict]) -> str:
    """Buffer-style: one heading per day, then time, network, status and a preview."""
    lines: list[str] = []
    day = None
    for row in rows:
        time = dt.datetime.fromisoformat(row["time"]).astimezone(dates.TOKYO)
        if time.date() != day:
            day = time.date()
            lines.append(("\n" if lines else "") + dates.format_date(time))
        status = row["status"]
        lines.append(f"  {time:%H:%M}  {row['network']:<8}  {status:<9}  {sns_text.preview(row['text'])}")
        detail = _detail(row)
        if detail:
            lines.append(f"  {'':5}  {'':8}  {'':9}  {detail}")
    return "\n".join(lines) + ("\n" if lines else "queue is empty\n")


def _detail(row: dict) -> str:
    if row["status"] == "posted":
        posted = dt.datetime.fromisoformat(row["posted_at"]).astimezone(dates.TOKYO) if row["posted_at"] else None
        return f"→ {row['remote_id']}" + (f" at {posted:%Y-%m-%d %H:%M}" if posted else "")
    if row["status"] == "error":
        return f"! {row['problem']}"
    if row["status"] in ("failed", "in-flight") and row["error"]:
        return f"! {row['error']}"
    return "; ".join(row["notes"])
