"""Split a content file into YAML front matter and body, keeping line numbers.

Every front-matter value is located by its line in the whole file so that errors
read ``path:line: field: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

Loc = tuple[str | int, ...]


class ContentFileError(Exception):
    """A file that cannot be read as front matter + body."""

    def __init__(self, line: int, field_name: str, message: str):
        super().__init__(message)
        self.line = line
        self.field = field_name
        self.message = message


class _Loader(yaml.SafeLoader):
    """Safe YAML where dates stay text: the models parse them, so an impossible
    date is a field error, not a crash in the YAML layer."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's parser (about 5× faster). Files it rejects are
    parsed again by :class:`_Loader`, whose messages are the ones editors see."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


@dataclass
class SourceFile:
    """A content file as read: its front matter, body and where each value sits."""

    path: Path
    data: dict
    body: str
    body_line: int
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of a value, or of its nearest located parent."""
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return 1


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM is dropped); any other encoding is an error with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        guess = " (it looks like Shift_JIS)" if _is_cp932(raw) else ""
        raise ContentFileError(
            line, "file", f"not UTF-8 text{guess}: byte 0x{raw[exc.start]:02x}; save the file as UTF-8"
        ) from None


def _is_cp932(raw: bytes) -> bool:
    try:
        raw.decode("cp932")
    except UnicodeDecodeError:
        return False
    return True


def read_source(path: Path, *, require_front_matter: bool = True) -> SourceFile:
    text = decode(path.read_bytes()).replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if require_front_matter:
            raise ContentFileError(1, "front matter", "missing: the file must start with a '---' line")
        return SourceFile(path, {}, text, 1)
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ContentFileError(1, "front matter", "not closed: add a '---' line after it") from None
    yaml_text = "\n".join(lines[1:close])
    data, located = parse_yaml(yaml_text, first_line=2)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentFileError(2, "front matter", "must be a mapping of 'field: value' lines")
    body = "\n".join(lines[close + 1 :])
    return SourceFile(path, data, body, close + 2, located)


def parse_yaml(text: str, first_line: int = 1) -> tuple[object, dict[Loc, int]]:
    """Load YAML safely and map each key path to its line (``first_line`` based)."""
    try:
        return _parse_yaml(_FastLoader(text), first_line)
    except (ContentFileError, yaml.YAMLError):
        return _parse_yaml(_Loader(text), first_line)


def _parse_yaml(loader: yaml.SafeLoader, first_line: int) -> tuple[object, dict[Loc, int]]:
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        located: dict[Loc, int] = {}
        _locate(node, (), located, first_line)
        return loader.construct_document(node), located
    except yaml.MarkedYAMLError as exc:
        raise ContentFileError(*_yaml_problem(exc, first_line)) from None
    finally:
        loader.dispose()


def format_loc(loc: Loc) -> str:
    """``partners[1].type``: how a location is shown in messages."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "front matter"


def _yaml_problem(exc: yaml.MarkedYAMLError, first_line: int) -> tuple[int, str, str]:
    """``(line, field, message)`` for a YAML syntax error, with where the broken
    construct began when that is another line."""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line if mark else 0) + first_line
    problem = (exc.problem or exc.context or "syntax error").replace("'<stream end>'", "the end of the front matter")
    message = f"invalid YAML: {problem}"
    if exc.problem and exc.context and exc.context_mark is not None:
        context_line = exc.context_mark.line + first_line
        if context_line != line:
            message += f" ({exc.context} that starts on line {context_line})"
    return line, "front matter", message


def _locate(node: yaml.Node, loc: Loc, located: dict[Loc, int], first_line: int) -> None:
    located.setdefault(loc, node.start_mark.line + first_line)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + first_line
            if key in seen:
                raise ContentFileError(
                    line, format_loc((*loc, key)), f"duplicate field (first set on line {seen[key]})"
                )
            seen[key] = line
            located[(*loc, key)] = line
            _locate(value_node, (*loc, key), located, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _locate(item, (*loc, index), located, first_line)
