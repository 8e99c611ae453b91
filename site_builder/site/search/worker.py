"""The search index's own process: pages in, Pagefind's bundle out.

    python -m site_builder.site.search.worker BUNDLE_DIR

Started by :class:`site_builder.site.search_index.SearchIndexer` (its ``WORKER``), so that
reading pages and packing the index run on a core the build is not using. Reads frames
from stdin (:func:`frame`): each a page's URL and HTML, then an empty frame that asks for
the bundle. Each page is read (text.py) and packed (bundle.py) as it comes. Errors go to
stderr and the exit status is 1; stdin closed without the empty frame means the build gave
up: the bundle is left unfinished, for the build to discard.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from site_builder.site.search.bundle import BundleWriter
from site_builder.site.search.packing import BundleError
from site_builder.site.search.text import search_page

HEADER = struct.Struct(">II")  # the lengths of a frame's URL and HTML, in bytes
MAX_PAGE = 64 * 1024 * 1024  # a frame longer than this is not a page of a site
END = HEADER.pack(0, 0)


class WorkerError(Exception):
    pass


def frame(url: str, html: str) -> bytes:
    data, address = html.encode("utf-8"), url.encode("utf-8")
    if not address:
        raise ValueError("a page without a URL")
    return HEADER.pack(len(address), len(data)) + address + data


def read_frames(stream: BinaryIO) -> Iterator[tuple[str, bytes]]:
    """``(url, html in UTF-8)`` for each frame until the empty one; :class:`WorkerError` if the
    stream ends first (the build gave up) or a frame is not one."""
    while True:
        header = stream.read(HEADER.size)
        if len(header) < HEADER.size:
            raise WorkerError("the build stopped before asking for the index")
        url_length, html_length = HEADER.unpack(header)
        if url_length == 0:
            return
        if url_length + html_length > MAX_PAGE:
            raise WorkerError(f"a page of {url_length + html_length} bytes: not a page of this site")
        data = stream.read(url_length + html_length)
        if len(data) < url_length + html_length:
            raise WorkerError("the build stopped in the middle of a page")
        yield data[:url_length].decode("utf-8"), data[url_length:]


def run(bundle: Path, stream: BinaryIO) -> None:
    writer = BundleWriter(bundle)
    for url, html in read_frames(stream):
        page = search_page(url, html)
        if page is not None:
            writer.add(page)
    writer.finish()


def main(argv: list[str] | None = None) -> int:
    bundle = Path((argv if argv is not None else sys.argv[1:])[0])
    try:
        run(bundle, sys.stdin.buffer)
    except (WorkerError, BundleError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
