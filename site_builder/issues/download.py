"""One download from a server we do not trust: :func:`download` (used by ``data pull``).

The rules (settings ``data_pull_*``, :class:`~site_builder.content.settings.DataPullSettings`):

* one deadline for everything (name lookups, connects, redirects, headers, body), besides
  the connect and read timeouts: a watchdog shuts the connection down when it passes, so a
  server that drips one byte at a time, or says nothing, is cut off on time;
* at most ``max_bytes`` (a larger Content-Length is refused before the body is read),
  buffered linearly; no content decoding (``Accept-Encoding: identity``), so what is kept is
  byte for byte what was served and a compressed bomb cannot grow in memory;
* redirects followed here, not by httpx: at most ``max_redirects``, only to the download's
  own host or to ``redirect_hosts``;
* https only, and only to public addresses: every address a host name resolves to is
  checked, for the first URL and every redirect, and loopback, private, link-local,
  multicast and reserved ones are refused unless inside ``allow_private``, the only
  addresses plain http is accepted from (a local test server, a mirror on the office network);
* the connection goes to the address that was checked: the URL handed to httpx carries
  the address, while the Host header, TLS SNI and the certificate check use the name. DNS
  is asked once, so a second answer (DNS rebinding) is never used; the socket's peer is
  checked again once connected. Proxies from the environment are ignored.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from typing import Protocol

import httpx

from site_builder.content.settings import DataPullSettings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = frozenset({301, 302, 303, 307, 308})
SETTINGS_HINT = "data_pull_allow_private lists the exceptions"


class PullError(Exception):
    """A download that cannot be used; the file stays as it was."""


class Progress(Protocol):
    """What :func:`download` reports to: a tqdm bar, say."""

    total: float | None

    def update(self, n: float) -> object: ...


class Deadline:
    """The time one download has. When it passes, every connection it watches is shut down,
    which wakes a read blocked on it at once (a read timeout alone restarts at every byte)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._watched: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._watched:
                sock.close()
            self._watched.clear()

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if self.expired or time.monotonic() >= self.end:
            self.expired = True
            raise self.error()

    def error(self) -> PullError:
        return PullError(f"gave up after {self.seconds:g} s (data_pull_deadline_seconds); the server is too slow")

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the time is up (a duplicate of it: TLS takes the original over)."""
        duplicate = sock.dup()
        with self._lock:
            self._watched.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._watched:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)


def download(url: str, rules: DataPullSettings, progress: Progress) -> bytes:
    """The body served at ``url`` under the rules above; anything else is a :class:`PullError`."""
    with Deadline(rules.deadline_seconds) as deadline:
        try:
            with httpx.Client(trust_env=False, headers={"Accept-Encoding": "identity"}) as client:
                return _follow(client, _parse(url), rules, deadline, progress)
        except httpx.HTTPError as exc:
            if deadline.expired:
                raise deadline.error() from None
            raise PullError(f"{url}: {str(exc) or type(exc).__name__}") from None


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise PullError(f"{url}: not a URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise PullError(f"{url}: not an https URL")
    return parsed


def _follow(
    client: httpx.Client, url: httpx.URL, rules: DataPullSettings, deadline: Deadline, progress: Progress
) -> bytes:
    home = _host_of(url)
    for hops in range(rules.max_redirects + 1):
        where = f"redirected to {url}: " if hops else f"{url}: "
        addresses = checked_addresses(url, rules, deadline, where)
        response = _send(client, url, addresses, rules, deadline)
        try:
            if response.status_code not in REDIRECTS:
                return _body(response, url, rules, deadline, progress)
            location = response.headers.get("location")
            if not location:
                raise PullError(f"{url} answered HTTP {response.status_code} without saying where to")
        finally:
            response.close()
        try:
            url = _parse(str(url.join(location).copy_with(fragment=None)))
        except httpx.InvalidURL:
            raise PullError(f"{url} redirects to {location!r}, which is not a URL") from None
        if _host_of(url) not in (home, *rules.redirect_hosts):
            raise PullError(
                f"redirected to {url}: another host than {home}; "
                f"add {url.host} to data_pull_redirect_hosts if you trust it"
            )
    raise PullError(f"more than {rules.max_redirects} redirects (data_pull_max_redirects); the last one to {url}")


def _host_of(url: httpx.URL) -> str:
    """The host as ``data_pull_redirect_hosts`` holds it: IDNA-encoded, an IP address in its short form."""
    try:
        return str(ipaddress.ip_address(url.host))
    except ValueError:
        return url.raw_host.decode("ascii").lower().rstrip(".")


def checked_addresses(url: httpx.URL, rules: DataPullSettings, deadline: Deadline, where: str) -> list[Address]:
    """Every address ``url``'s host resolves to, if all may be connected to; else a :class:`PullError`."""
    if url.scheme == "http" and not rules.allow_private:
        raise PullError(f"{where}plain http is refused; use the https address")
    addresses = _resolve(url.raw_host.decode("ascii"), url.port or {"http": 80}.get(url.scheme, 443), deadline, where)
    for address in addresses:
        kind = address_kind(address)
        if kind and not allowed(address, rules):
            raise PullError(f"{where}{address} is a {kind} address; data pull only connects to public ones")
    if url.scheme == "http" and not all(allowed(address, rules) for address in addresses):
        raise PullError(f"{where}plain http is refused (it is accepted only from data_pull_allow_private addresses)")
    return addresses


def address_kind(address: Address) -> str | None:
    """What makes ``address`` no place to download from (``"loopback"``, ``"private"``…), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    kinds = {
        "loopback": address.is_loopback,
        "link-local": address.is_link_local,
        "multicast": address.is_multicast,
        "unspecified": address.is_unspecified,
        "reserved": address.is_reserved,
        "private": address.is_private,
        "non-public": not address.is_global,
    }
    return next((kind for kind, flag in kinds.items() if flag), None)


def allowed(address: Address, rules: DataPullSettings) -> bool:
    return any(address in network for network in rules.allow_private if network.version == address.version)


def _resolve(host: str, port: int, deadline: Deadline, where: str) -> list[Address]:
    """The addresses of ``host``, asked once, within the deadline."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[Address] = []
    failed: list[OSError] = []

    def look_up() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            failed.append(exc)
            return
        found.extend(ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos)

    worker = threading.Thread(target=look_up, daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        deadline.expired = True
        raise deadline.error()
    if failed or not found:
        raise PullError(f"{where}cannot find the host {host} ({failed[0] if failed else 'no address'})")
    return list(dict.fromkeys(found))


def _send(
    client: httpx.Client, url: httpx.URL, addresses: list[Address], rules: DataPullSettings, deadline: Deadline
) -> httpx.Response:
    """The response's head, from the first of ``addresses`` that accepts the connection."""
    failure: httpx.TransportError | None = None
    for address in addresses:
        deadline.check()
        extensions: dict[str, object] = {"trace": _tracer(address, deadline)}
        if url.scheme == "https":
            extensions["sni_hostname"] = url.raw_host.decode("ascii")  # and the certificate is checked for it
        timeout = httpx.Timeout(
            rules.read_timeout_seconds, connect=max(0.001, min(rules.connect_timeout_seconds, deadline.remaining()))
        )
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address)),
            headers={"Host": url.netloc.decode("ascii")},
            timeout=timeout,
            extensions=extensions,
        )
        try:
            return client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            failure = exc
    raise failure or PullError(f"{url}: no address to connect to")


def _tracer(address: Address, deadline: Deadline):
    """httpx's ``trace`` hook: once connected, the peer must be ``address``; the deadline watches the socket."""

    def trace(event: str, info: dict) -> None:
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        deadline.watch(sock)
        peer = ipaddress.ip_address(sock.getpeername()[0])
        if peer != address:
            _shut(sock)
            raise PullError(f"connected to {peer} instead of the checked address {address}")

    return trace


def _body(
    response: httpx.Response, url: httpx.URL, rules: DataPullSettings, deadline: Deadline, progress: Progress
) -> bytes:
    if response.status_code != 200:
        raise PullError(f"{url} answered HTTP {response.status_code}")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise PullError(f"{url} sent {encoding}-compressed data though asked for the file as it is")
    too_big = PullError(f"{url} is larger than {rules.max_bytes:,} bytes (data_pull_max_bytes)")
    length = response.headers.get("content-length", "")
    if length.isdigit():
        if int(length) > rules.max_bytes:
            raise too_big
        progress.total = int(length)
    data = bytearray()
    for chunk in response.iter_raw():
        deadline.check()
        if len(data) + len(chunk) > rules.max_bytes:
            raise too_big
        data += chunk
        progress.update(len(chunk))
    deadline.check()
    return bytes(data)
