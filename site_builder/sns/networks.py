"""One adapter per network: send a post, and find a post already sent.

Base URLs and credentials come from the environment only
(``SITE_BUILDER_<NETWORK>_URL``, ``SITE_BUILDER_<NETWORK>_TOKEN``, plus
``SITE_BUILDER_BLUESKY_HANDLE`` and ``SITE_BUILDER_FACEBOOK_PAGE_ID``) and are
never printed: every message passes through ``Credentials.redact``.

``find`` is how a rerun learns whether an interrupted request got through:

* X: the account's recent posts (``GET /2/users/:id/tweets``), matched by text
  with URLs removed (X wraps them in t.co) and made no earlier than the ledger's
  intent record (``intent_at``, the wall clock before the request; see
  ``Adapter.earliest``), so a ``--now`` ahead of the clock cannot hide a post.
* Facebook: the page feed (``GET /{page-id}/feed``), matched the same way.
* Mastodon: the account's statuses; besides, every request carries an
  ``Idempotency-Key`` derived from the post id, so a retry within the server's
  key lifetime (an hour on mastodon.social) returns the first status.
* Bluesky: the record key is chosen by us (a TID derived from the post id and its
  planned time), so ``com.atproto.repo.getRecord`` answers exactly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from site_builder.sns import text as sns_text
from site_builder.sns.plan import Post

DEFAULT_URLS = {
    "x": "https://api.x.com",
    "facebook": "https://graph.facebook.com/v21.0",
    "mastodon": "",
    "bluesky": "https://bsky.social",
}
BSKY_POST = "app.bsky.feed.post"
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far the network's clock may be behind ours
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class NetworkError(Exception):
    """A request failed; ``message`` is safe to print (credentials redacted)."""

    def __init__(self, message: str, wait: float | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.wait = wait
        self.status = status


class RateLimited(NetworkError):
    """429: nothing was posted; try again after ``wait`` seconds."""


class Unsure(NetworkError):
    """5xx, timeout or broken connection: the post may or may not exist."""


class Rejected(NetworkError):
    """Another 4xx: the network refused; nothing was posted."""


@dataclass
class Credentials:
    network: str
    url: str
    token: str
    handle: str = ""
    page_id: str = "me"
    secrets: list[str] = field(default_factory=list)

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def read_credentials(network: str, environ: dict | None = None) -> Credentials | str:
    """Credentials for ``network``, or why they are missing (names, never values)."""
    env = os.environ if environ is None else environ
    prefix = f"SITE_BUILDER_{network.upper()}_"
    url = (env.get(prefix + "URL") or DEFAULT_URLS[network]).rstrip("/")
    token = env.get(prefix + "TOKEN", "")
    missing = [prefix + "TOKEN"] if not token else []
    if not url:
        missing.insert(0, prefix + "URL")
    handle = env.get(prefix + "HANDLE", "")
    if network == "bluesky" and not handle:
        missing.append(prefix + "HANDLE")
    if missing:
        return f"{network}: set {' and '.join(missing)} to post"
    page_id = env.get(prefix + "PAGE_ID", "me")
    return Credentials(network, url, token, handle, page_id, [token])


@dataclass
class Receipt:
    remote_id: str
    remote_url: str | None


class Adapter:
    network = ""
    idempotent = False  # True: a retried request cannot make a second post

    def __init__(self, credentials: Credentials, client: httpx.Client, clock):
        self.credentials = credentials
        self.client = client
        self.clock = clock  # wall-clock seconds, for rate-limit reset headers
        self._recent: list | None = None

    def intent(self, post: Post) -> dict:
        """What the ledger must remember before the request to make a retry safe."""
        return {"network": post.network, "text": post.text, "link": post.link, "planned": post.time.isoformat()}

    def connect(self) -> None:
        """Open a session when the network needs one (Bluesky); errors stop the network."""

    def forget(self) -> None:
        """Drop what ``find`` read, so that the next ``find`` reads the network again."""
        self._recent = None

    def publish(self, post: Post, intent: dict) -> Receipt:
        """Send the post; ``NetworkError`` when it did not (surely) go."""
        with self.answer_checked("publish"):
            return self._publish(post, intent)

    def find(self, post: Post, intent: dict) -> Receipt | None:
        """The post on the network if it is there already, else ``None``."""
        with self.answer_checked("find"):
            return self._find(post, intent)

    @contextlib.contextmanager
    def answer_checked(self, what: str) -> Iterator[None]:
        try:
            yield
        except (KeyError, TypeError, ValueError, IndexError) as exc:  # an answer we do not understand
            raise Unsure(f"{self.network}: unexpected answer to {what} ({type(exc).__name__})") from None

    def _publish(self, post: Post, intent: dict) -> Receipt:
        raise NotImplementedError

    def _find(self, post: Post, intent: dict) -> Receipt | None:
        raise NotImplementedError

    # --- HTTP ------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = self.credentials.url + path
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise Unsure(f"{self.network}: {method} {path_only(path)} timed out") from None
        except httpx.HTTPError as exc:
            raise Unsure(
                self.credentials.redact(f"{self.network}: {method} {path_only(path)} failed: {type(exc).__name__}")
            ) from None
        if response.status_code < 400:
            return response
        summary = self.credentials.redact(
            f"{self.network}: {method} {path_only(path)} answered {response.status_code} {_brief(response)}"
        )
        status = response.status_code
        if status == 429:
            raise RateLimited(summary, wait_from(response.headers, self.clock()), status)
        if status >= 500 or status == 408:
            raise Unsure(summary, wait_from(response.headers, self.clock()), status)
        raise Rejected(summary, None, status)

    def matching(
        self, post: Post, intent: dict, candidates: list[tuple[str, str | None, str, str | None]]
    ) -> Receipt | None:
        """The first ``(id, url, text, created)`` with our text, made no earlier than :meth:`earliest`."""
        wanted = sns_text.comparable(intent.get("text", post.text))
        earliest = self.earliest(post, intent)
        for remote_id, remote_url, text, created in candidates:
            when = _parse_instant(created)
            if sns_text.comparable(text) == wanted and (when is None or when >= earliest):
                return Receipt(remote_id, remote_url)
        return None

    def earliest(self, post: Post, intent: dict) -> dt.datetime:
        """Since when a post of ours could be on the network. With an intent in the ledger,
        the wall-clock moment it was written (``intent_at``, before the request), less
        :data:`CLOCK_SKEW`: never the planned time, which ``--now`` can put after the real
        post. Without one (a ledger that was not committed), the planned time, or the clock
        when that is earlier (``--now`` ahead of it), less a minute."""
        if intent.get("intent_at"):
            return dt.datetime.fromisoformat(intent["intent_at"]) - CLOCK_SKEW
        planned = dt.datetime.fromisoformat(intent.get("planned", post.time.isoformat()))
        return min(planned, dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)) - dt.timedelta(minutes=1)


def path_only(path: str) -> str:
    return path.split("?", 1)[0]


def _brief(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:200]


def _parse_instant(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def wait_from(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait per Retry-After or the network's rate-limit reset header."""
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
        value = headers.get(name)
        if not value:
            continue
        if re.fullmatch(r"\d+(\.\d+)?", value.strip()):
            return max(0.0, float(value) - now)
        moment = _parse_instant(value.strip())
        if moment is not None:
            return max(0.0, moment.timestamp() - now)
    return None


class XAdapter(Adapter):
    network = "x"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials.token}"}

    def _publish(self, post: Post, intent: dict) -> Receipt:
        data = self.call("POST", "/2/tweets", json={"text": intent["text"]}, headers=self.headers()).json()["data"]
        return Receipt(str(data["id"]), f"https://x.com/i/web/status/{data['id']}")

    def _find(self, post: Post, intent: dict) -> Receipt | None:
        if self._recent is None:
            me = self.call("GET", "/2/users/me", headers=self.headers()).json()["data"]["id"]
            params = {"max_results": 100, "tweet.fields": "created_at,entities", "exclude": "replies,retweets"}
            found = self.call("GET", f"/2/users/{me}/tweets", params=params, headers=self.headers()).json()
            self._recent = [
                (
                    str(t["id"]),
                    f"https://x.com/i/web/status/{t['id']}",
                    html.unescape(t.get("text", "")),
                    t.get("created_at"),
                )
                for t in found.get("data", [])
            ]
        return self.matching(post, intent, self._recent)


class FacebookAdapter(Adapter):
    network = "facebook"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials.token}"}

    def _publish(self, post: Post, intent: dict) -> Receipt:
        data = self.call(
            "POST",
            f"/{self.credentials.page_id}/feed",
            data={"message": intent["text"], "link": intent["link"]},
            headers=self.headers(),
        ).json()
        return Receipt(str(data["id"]), f"https://www.facebook.com/{data['id']}")

    def _find(self, post: Post, intent: dict) -> Receipt | None:
        if self._recent is None:
            params = {"fields": "id,message,link,created_time", "limit": 100}
            self._recent = (
                self.call("GET", f"/{self.credentials.page_id}/feed", params=params, headers=self.headers())
                .json()
                .get("data", [])
            )
        candidates = [
            (str(p["id"]), f"https://www.facebook.com/{p['id']}", p.get("message", ""), p.get("created_time"))
            for p in self._recent
            if p.get("link") in (None, intent["link"])
        ]
        return self.matching(post, intent, candidates)


class MastodonAdapter(Adapter):
    network = "mastodon"
    idempotent = True

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials.token}"}

    def intent(self, post: Post) -> dict:
        return {**super().intent(post), "key": post.key}

    def _publish(self, post: Post, intent: dict) -> Receipt:
        headers = {**self.headers(), "Idempotency-Key": intent["key"]}
        body = {"status": intent["text"], "visibility": "public", "language": "ja"}
        data = self.call("POST", "/api/v1/statuses", json=body, headers=headers).json()
        return Receipt(str(data["id"]), data.get("url"))

    def _find(self, post: Post, intent: dict) -> Receipt | None:
        if self._recent is None:
            me = self.call("GET", "/api/v1/accounts/verify_credentials", headers=self.headers()).json()["id"]
            params = {"limit": 40, "exclude_replies": "true", "exclude_reblogs": "true"}
            found = self.call("GET", f"/api/v1/accounts/{me}/statuses", params=params, headers=self.headers()).json()
            self._recent = [
                (str(s["id"]), s.get("url"), html_to_text(s.get("content", "")), s.get("created_at")) for s in found
            ]
        return self.matching(post, intent, self._recent)


def html_to_text(markup: str) -> str:
    """Mastodon's status HTML back to text (links keep their full URL in hidden spans)."""
    markup = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class BlueskyAdapter(Adapter):
    network = "bluesky"

    def __init__(self, credentials: Credentials, client: httpx.Client, clock):
        super().__init__(credentials, client, clock)
        self.session: dict | None = None

    def headers(self) -> dict:
        if self.session is None:
            body = {"identifier": self.credentials.handle, "password": self.credentials.token}
            self.session = self.call("POST", "/xrpc/com.atproto.server.createSession", json=body).json()
            self.credentials.secrets += [self.session.get("accessJwt", ""), self.session.get("refreshJwt", "")]
        return {"Authorization": f"Bearer {self.session['accessJwt']}"}

    def connect(self) -> None:
        with self.answer_checked("createSession"):
            self.headers()

    def intent(self, post: Post) -> dict:
        return {**super().intent(post), "rkey": record_key(post)}

    def _publish(self, post: Post, intent: dict) -> Receipt:
        headers = self.headers()
        record = {
            "$type": BSKY_POST,
            "text": intent["text"],
            "createdAt": _utc_now(self.clock()),
            "langs": ["ja"],
            "facets": sns_text.facets(intent["text"]),
            "embed": {
                "$type": "app.bsky.embed.external",
                "external": {"uri": intent["link"], "title": post.title, "description": post.summary},
            },
        }
        body = {"repo": self.session["did"], "collection": BSKY_POST, "rkey": intent["rkey"], "record": record}
        data = self.call("POST", "/xrpc/com.atproto.repo.createRecord", json=body, headers=headers).json()
        return Receipt(data["uri"], self.web_url(intent["rkey"]))

    def _find(self, post: Post, intent: dict) -> Receipt | None:
        headers = self.headers()
        params = {"repo": self.session["did"], "collection": BSKY_POST, "rkey": intent["rkey"]}
        try:
            data = self.call("GET", "/xrpc/com.atproto.repo.getRecord", params=params, headers=headers).json()
        except Rejected as exc:
            if exc.status == 404 or "RecordNotFound" in exc.message:
                return None
            raise
        return Receipt(data["uri"], self.web_url(intent["rkey"]))

    def web_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.credentials.handle}/post/{rkey}"


def record_key(post: Post) -> str:
    """A TID (13 base32-sortable characters) fixed by the post id and planned time."""
    digest = int.from_bytes(hashlib.sha256(post.id.encode("utf-8")).digest()[:8], "big")
    micros = int(post.time.timestamp()) * 1_000_000 + digest % 1_000_000
    value = ((micros & ((1 << 53) - 1)) << 10) | ((digest >> 20) & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _utc_now(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


ADAPTERS = {"x": XAdapter, "facebook": FacebookAdapter, "mastodon": MastodonAdapter, "bluesky": BlueskyAdapter}
