"""`site-builder data pull` treats the server as untrusted: one deadline, a size cap,
redirects checked hop by hop, public addresses only, and nothing from the download
printed raw. Every server is real and listens on 127.0.0.1; no test connects anywhere else."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from pathlib import Path

import pytest

from tests.test_datasets import CSV, Quiet, pull_project

DRIP_PAUSE = 0.5  # seconds between two bytes of a dripping server
DEADLINE = 2  # data_pull_deadline_seconds in the tests that need one
REFUSED = ["10.0.0.1", "127.0.0.2", "93.184.215.14"]  # allowed as redirect hosts, refused for what they are


class Scripted(Quiet):
    """Serves the files of ``served/``, or runs the route the test gave for the path."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            return super().do_GET()
        with contextlib.suppress(OSError):  # the client hung up, as it should when it gives up
            route(self)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def drip(self, data: bytes) -> None:
        """``data`` one byte at a time, until the client hangs up or the test ends."""
        for byte in data:
            if self.server.stopping.wait(DRIP_PAUSE):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def head(self, length: int | None = None, **headers: str) -> None:
        self.send_response(200)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()


def chunked(data: bytes, size: int) -> bytes:
    """``data`` in HTTP chunks of ``size`` bytes, and the last chunk."""
    pieces = (data[i : i + size] for i in range(0, len(data), size))
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


@pytest.fixture
def site(tmp_path):
    """A scripted server on 127.0.0.1: ``(served folder, base URL, routes, requests)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Scripted, directory=str(folder)))
    httpd.routes, httpd.requests, httpd.stopping = {}, [], threading.Event()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}", httpd.routes, httpd.requests
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()


def untouched(root: Path) -> bool:
    target = root / "content/data/suikei.csv"
    return target.read_bytes() == CSV.encode("cp932") and [p.name for p in target.parent.iterdir()] == ["suikei.csv"]


def pull_fails(run_cli, root: Path) -> str:
    """The one error line of a pull that must fail and leave the file as it was."""
    code, out, err = run_cli("--root", root, "data", "pull")
    assert (code, out) == (1, ""), err
    assert untouched(root)
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    return line


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["body", "head", "nothing"])
def test_a_server_that_drips_or_stalls_is_cut_off_at_the_deadline(project, site, run_cli, stage):
    _, base, routes, _ = site
    data = CSV.encode("cp932")
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n\r\n".encode()
    routes["/suikei.csv"] = {
        "body": lambda h: (h.head(len(data)), h.wfile.flush(), h.drip(data)),
        "head": lambda h: h.drip(head + data),  # a read timeout restarts at every byte
        "nothing": lambda h: h.server.stopping.wait(30),  # silent for longer than the read timeout… of 30 s
    }[stage]
    root = pull_project(project, base, settings=f"data_pull_deadline_seconds: {DEADLINE}")
    started = time.monotonic()
    line = pull_fails(run_cli, root)
    elapsed = time.monotonic() - started
    assert line == (
        "error: content/data/suikei.csv: not updated: "
        f"gave up after {DEADLINE} s (data_pull_deadline_seconds); the server is too slow"
    )
    assert DEADLINE - 0.1 < elapsed < DEADLINE + 1.0


def test_many_tiny_chunks_take_linear_time(project, site, run_cli):
    _, base, routes, _ = site
    data = (CSV + "\r\n" * 100_000).encode("cp932")[:200_000]  # empty lines are skipped
    body = chunked(data, 1)
    routes["/suikei.csv"] = lambda h: (h.head(), h.wfile.write(body))
    root = pull_project(project, base)
    started = time.monotonic()
    code, out, err = run_cli("--root", root, "data", "pull")
    assert time.monotonic() - started < 20  # 200,000 chunks; summing the buffer at each one took hours
    assert code == 0, err
    assert out.splitlines() == [
        f"content/data/suikei.csv: updated from {base}/suikei.csv",
        "  rows: 0 added, 0 removed; cells: 0 changed",
    ]
    assert (root / "content/data/suikei.csv").read_bytes() == data


# --- size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_download_over_the_size_cap_is_refused(project, site, run_cli, declared):
    _, base, routes, _ = site
    data = (CSV * 40).encode("cp932")
    if declared:
        routes["/suikei.csv"] = lambda h: (h.head(len(data)), h.wfile.write(data))
    else:
        routes["/suikei.csv"] = lambda h: (h.head(), h.wfile.write(chunked(data, 1000)))
    root = pull_project(project, base, settings="data_pull_max_bytes: 5000")
    assert pull_fails(run_cli, root) == (
        "error: content/data/suikei.csv: not updated: "
        f"{base}/suikei.csv is larger than 5,000 bytes (data_pull_max_bytes)"
    )


def test_compressed_data_is_refused_rather_than_unpacked(project, site, run_cli):
    _, base, routes, _ = site
    routes["/suikei.csv"] = lambda h: (h.head(4, Content_Encoding="gzip"), h.wfile.write(b"\x1f\x8b\x08\x00"))
    root = pull_project(project, base)
    assert pull_fails(run_cli, root).endswith(
        f"{base}/suikei.csv sent gzip-compressed data though asked for the file as it is"
    )


# --- redirects and addresses ---------------------------------------------------------------


def test_redirects_on_the_same_host_are_followed_up_to_the_limit(project, site, run_cli):
    folder, base, routes, requests = site
    (folder / "real.csv").write_bytes(CSV.replace('"151,659"', '"151,700"').encode("cp932"))
    routes["/suikei.csv"] = lambda h: h.redirect("/moved")
    routes["/moved"] = lambda h: h.redirect(f"{base}/real.csv")
    root = pull_project(project, base, settings="data_pull_max_redirects: 2")
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 0, err
    assert "  ~ 中区 人口総数[人]: 151,659 → 151,700" in out.splitlines()
    assert requests == ["/suikei.csv", "/moved", "/real.csv"]

    routes["/real.csv"] = lambda h: h.redirect("/suikei.csv")
    (root / "content/data/suikei.csv").write_bytes(CSV.encode("cp932"))
    assert pull_fails(run_cli, root).endswith(
        f"not updated: more than 2 redirects (data_pull_max_redirects); the last one to {base}/suikei.csv"
    )


@pytest.mark.parametrize(
    "location, problem",
    [
        (
            "http://93.184.215.14/suikei.csv",
            "plain http is refused (it is accepted only from data_pull_allow_private addresses)",
        ),
        ("https://10.0.0.1/suikei.csv", "10.0.0.1 is a private address; data pull only connects to public ones"),
        (
            "http://127.0.0.2:{port}/suikei.csv",
            "127.0.0.2 is a loopback address; data pull only connects to public ones",
        ),
        (
            "https://[::ffff:10.0.0.1]/suikei.csv",
            "is a private address; data pull only connects to public ones",
        ),
        (
            "https://data.other.example/suikei.csv",
            "another host than 127.0.0.1; add data.other.example to data_pull_redirect_hosts if you trust it",
        ),
    ],
    ids=["to-http", "to-private", "to-other-loopback", "to-mapped-private", "to-other-host"],
)
def test_a_redirect_is_refused_before_anything_is_connected_to(project, site, run_cli, location, problem):
    _, base, routes, requests = site
    location = location.format(port=base.rpartition(":")[2])
    routes["/suikei.csv"] = lambda h: h.redirect(location)
    hosts = ", ".join(f'"{host}"' for host in [*REFUSED, "::ffff:10.0.0.1"])
    root = pull_project(project, base, settings=f"data_pull_redirect_hosts: [{hosts}]")
    line = pull_fails(run_cli, root)
    assert line.startswith("error: content/data/suikei.csv: not updated: redirected to ")
    assert line.endswith(problem)
    assert requests == ["/suikei.csv"]


@pytest.mark.parametrize(
    "url, problem",
    [
        ("{base}/suikei.csv", "{base}/suikei.csv: plain http is refused; use the https address"),
        (
            "https://127.0.0.1:{port}/suikei.csv",
            "127.0.0.1 is a loopback address; data pull only connects to public ones",
        ),
        ("https://localhost:{port}/suikei.csv", "is a loopback address; data pull only connects to public ones"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address; data pull only"),
    ],
    ids=["http", "loopback", "localhost-resolved", "cloud-metadata"],
)
def test_without_allow_private_only_public_https_servers_are_reached(project, site, run_cli, url, problem):
    _, base, _, requests = site
    port = base.rpartition(":")[2]
    root = pull_project(project, base)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("    data_pull_allow_private: [127.0.0.1]\n", ""))
    page = root / "content/issues/p.md"
    page.write_text(page.read_text(encoding="utf-8").replace(f"{base}/suikei.csv", url.format(base=base, port=port)))
    assert problem.format(base=base) in pull_fails(run_cli, root)
    assert requests == []


def test_a_wrong_data_pull_setting_stops_the_pull_with_its_line(project, site, run_cli):
    _, base, _, requests = site
    root = pull_project(project, base, settings="data_pull_redirect_hosts: [https://data.example/]")
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 1 and out == "" and untouched(root) and requests == []
    line = (
        (root / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .splitlines()
        .index("    data_pull_redirect_hosts: [https://data.example/]")
    )
    assert (
        f"mkdocs.yml:{line + 1}: extra.site_builder.data_pull_redirect_hosts[0]: must be a host name such as "
        "data.city.example (no https://, no path), got 'https://data.example/'" in err.splitlines()
    )


# --- what is printed -----------------------------------------------------------------------


def test_control_characters_from_the_download_are_printed_escaped(project, site, run_cli):
    folder, base, _, _ = site
    label = "中区\x1b[2J\u202e\r\n偽の行"
    (folder / "suikei.csv").write_bytes(CSV.replace("中区", f'"{label}"').encode("utf-8"))
    root = pull_project(project, base, encoding="utf-8")
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 0, err
    assert "  + 中区\\x1b[2J\\u202e\\x0d\\x0a偽の行" in out.splitlines()
    assert "  - 中区" in out.splitlines()

    (folder / "suikei.csv").write_bytes(CSV.replace('"151,659"', '"\x1b]0;owned\x07\u2066"').encode("utf-8"))
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 1
    assert "人口総数[人]: not a number: '\\x1b]0;owned\\x07\\u2066'" in err
    for text in (out, err):  # (the progress bar on stderr moves with \r)
        assert not any(char in text for char in "\x1b\x07\u202e\u2066")
