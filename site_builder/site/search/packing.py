"""Words packed as Pagefind 1.5 stores them (pagefind/src/index/ in its source).

Its files hold minicbor arrays: integers, text, arrays of known length. A word's entry
for a page is ``[page - the page before, locs, meta_locs]``: ``locs`` its positions on the
page by weight, each the difference from the one before, a change of weight as ``-weight -
1`` followed by a whole position; ``meta_locs`` likewise by metadata field. Most words of
a page occur once there with the usual weight: their entries come from tables.
"""

from __future__ import annotations

import hashlib
import itertools

from site_builder.site.search.text import WORD_WEIGHT

FIRST_WEIGHT = 25  # the weight a page's positions start from, before the first marker


class BundleError(Exception):
    pass


# -- CBOR, the subset Pagefind's files use: integers, text, arrays of known length ------------


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for size, code in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | code]) + value.to_bytes(size, "big")
    raise BundleError(f"{value} does not fit in CBOR")


TABLE = 1 << 12  # integers below this (and down to -TABLE) are encoded once, here
_ARRAYS = [_head(4, length) for length in range(TABLE)]
EMPTY = _ARRAYS[0]
_INTEGERS = [_head(1, -1 - value) for value in range(-TABLE, 0)] + [_head(0, value) for value in range(TABLE)]
_UNSIGNED = _INTEGERS[TABLE:]
# An entry's start, ``[page - previous page, …`` and a page's positions of a word with the usual
# weight, ``[-25, position, …`` (-WORD_WEIGHT - 1 is CBOR's negative integer WORD_WEIGHT).
ENTRY_STARTS = [_ARRAYS[3] + _UNSIGNED[delta] for delta in range(TABLE)]
_MARK = _head(1, WORD_WEIGHT)
# The positions and empty metadata positions of a word once on a page: ``[-25, position], []``.
ONCE = [_ARRAYS[2] + _MARK + _UNSIGNED[position] + EMPTY for position in range(TABLE)]


def cbor_int(value: int) -> bytes:
    if -TABLE <= value < TABLE:
        return _INTEGERS[value + TABLE]
    return _head(0, value) if value >= 0 else _head(1, -1 - value)


def cbor_ints(values: list[int]) -> bytes:
    head = _ARRAYS[len(values)] if len(values) < TABLE else _head(4, len(values))
    if values and min(values) >= -TABLE and max(values) < TABLE:
        return head + b"".join([_INTEGERS[value + TABLE] for value in values])
    return head + b"".join(map(cbor_int, values))


def entry_start(delta: int) -> bytes:
    return ENTRY_STARTS[delta] if delta < TABLE else _ARRAYS[3] + cbor_int(delta)


def cbor_text(text: str) -> bytes:
    data = text.encode("utf-8")
    return _head(3, len(data)) + data


def cbor_array(items: list[bytes]) -> bytes:
    return _head(4, len(items)) + b"".join(items)


def pack_positions(positions: list[int], weighted: dict[int, int]) -> tuple[bytes, int]:
    """Pagefind's ``locs`` of a word on a page, in CBOR: its positions by weight then
    position, each as the difference from the one before; a change of weight as
    ``-weight - 1`` followed by a whole position. Pages start from weight 25, words weigh
    24 (:data:`WORD_WEIGHT`): the first position always follows a marker. Also the number
    of integers, which Pagefind's chunk sizes count."""
    if not weighted or not any(map(weighted.__contains__, positions)):
        packed = [-WORD_WEIGHT - 1, positions[0], *map(int.__sub__, positions[1:], positions[:-1])]
        return cbor_ints(packed), len(packed)
    pairs = sorted((weighted.get(position, WORD_WEIGHT), position) for position in positions)
    packed, weight, last = [], FIRST_WEIGHT, 0
    for new_weight, position in pairs:
        if new_weight != weight:
            packed += [-new_weight - 1, position]
            weight = new_weight
        else:
            packed.append(position - last)
        last = position
    return cbor_ints(packed), len(packed)


def pack_meta_positions(positions: list[tuple[int, int]]) -> tuple[bytes, int]:
    """Pagefind's ``meta_locs`` in CBOR: ``(field, position)`` pairs by field, ``-field - 1``
    before each field's positions, positions as differences within the field."""
    if not positions:
        return EMPTY, 0
    packed, field, last = [], None, 0
    for new_field, position in sorted(positions):
        if new_field != field:
            packed.append(-new_field - 1)
            field, last = new_field, 0
        packed.append(position - last)
        last = position
    return cbor_ints(packed), len(packed)


class Postings:
    """One word's pages, packed as they come (page numbers rise)."""

    __slots__ = ("count", "data", "last_page", "size", "variants")

    def __init__(self) -> None:
        self.data = bytearray()
        self.count = self.last_page = self.size = 0
        self.variants: dict[str, Postings] | None = None

    def add(self, page: int, positions: list[int], weighted: dict[int, int], meta: list[tuple[int, int]]) -> None:
        """A page's entry: ``[page - previous page, locs, meta_locs]`` (:func:`pack_positions`)."""
        locs, size = pack_positions(positions, weighted) if positions else (EMPTY, 0)
        meta_locs, meta_size = pack_meta_positions(meta)
        self.data += b"\x83" + cbor_int(page - self.last_page) + locs + meta_locs
        self.count += 1
        self.last_page = page
        self.size += size + meta_size + 1

    def variant(self, form: str) -> Postings:
        if self.variants is None:
            self.variants = {}
        return self.variants.setdefault(form, Postings())

    def add_repeated(self, page: int, positions: list[int]) -> None:
        """:meth:`add` for a word that occurs several times on the page, with the usual weight."""
        if positions[-1] >= TABLE or len(positions) >= TABLE - 1 or page - self.last_page >= TABLE:
            self.add(page, positions, {}, [])
            return
        steps = [_UNSIGNED[b - a] for a, b in itertools.pairwise(positions)]
        self.data += ENTRY_STARTS[page - self.last_page] + _ARRAYS[len(positions) + 1] + _MARK
        self.data += _UNSIGNED[positions[0]] + b"".join(steps) + EMPTY
        self.count += 1
        self.last_page = page
        self.size += len(positions) + 2

    def encode(self, key: str) -> bytes:
        variants = self.variants or {}
        packed = [b"\x82" + cbor_text(form) + _head(4, v.count) + bytes(v.data) for form, v in variants.items()]
        return b"\x83" + cbor_text(key) + _head(4, self.count) + bytes(self.data) + cbor_array(packed)


def short_hash(language: str, data: bytes, taken: set[str] | dict) -> str:
    """Pagefind's file names: language, ``_``, the start of the SHA-1, longer on a clash."""
    full = f"{language}_{hashlib.sha1(data).hexdigest()}"
    length = len(language) + 8
    while full[:length] in taken and length < len(full):
        length += 1
    return full[:length]
