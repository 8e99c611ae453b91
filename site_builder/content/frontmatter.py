"""Split a content file into YAML front matter and body, keeping line numbers.

Every front-matter value is located by its line in the whole file so that errors
read ``path:line: field: message``.

A file is input, so reading one is bounded (:class:`Limits`): its size, its body's
size, how deep the YAML nests and how long a list is; YAML aliases (``*name``), which
let a few lines stand for billions of values, are refused. The YAML node tree is
checked before any Python object is made from it.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from site_builder.content.i18n import Bilingual, bi
from site_builder.content.yaml_errors import Loc, Slip, find_slips, syntax_problems
from site_builder.content.yaml_values import construct


@dataclass(frozen=True)
class Limits:
    """How much one content file may hold; ``limits_*`` in mkdocs.yml sets them
    (content/settings.py), these defaults stand when no configuration is at hand."""

    file_kb: int = 1024
    body_kb: int = 512
    list_items: int = 1000  # entries of one YAML list (tags, partners, …) or fields of one mapping
    nesting_depth: int = 20  # lists and mappings inside each other
    markdown_seconds: float = 5.0  # CPU time to convert one body (content/markdown.py)


DEFAULT_LIMITS = Limits()
_NUMBER_DIGITS = 100  # a longer YAML number is a mistake, and Python refuses to print one of 4,300 digits
FRONT_MATTER_LINE = 2  # the file's line of the front matter's first line (after '---')


class ContentFileError(Exception):
    """A file that cannot be read as front matter + body; ``more`` are further
    ``(line, field, message)`` problems found at once (typing slips, yaml_errors.py)."""

    def __init__(self, line: int, field_name: str, message: str, more: tuple[tuple[int, str, str], ...] = ()):
        super().__init__(message)
        self.line = line
        self.field = field_name
        self.message = message
        self.more = more

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """Every ``(line, field, message)`` this error stands for."""
        return [(self.line, self.field, self.message), *self.more]

    @classmethod
    def of(cls, problems: list[tuple[int, str]]) -> ContentFileError:
        """One error for ``(line, message)`` problems of the front matter (at least one)."""
        (line, message), *more = problems
        return cls(line, "front matter", message, tuple((at, "front matter", text) for at, text in more))


class LimitError(ContentFileError):
    """A file over one of the :class:`Limits`, or with a YAML alias."""


class _Shared(Exception):
    """libyaml resolved an alias: the pure-Python composer says where it is."""


def alias_error(line: int, name: str) -> LimitError:
    message = bi(
        f"YAML aliases (*{name}) are not allowed; write the value out",
        f"「*{name}」のように別の場所の値を指す書き方は使えません。値をそのまま書いてください。",
    )
    return LimitError(line, "front matter", message)


def depth_error(line: int, field_name: str, depth: int) -> LimitError:
    message = bi(
        f"nested more than {depth} levels deep (lists and mappings inside each other); "
        "flatten it (the limit is limits_nesting_depth in mkdocs.yml)",
        f"一覧や項目の入れ子が {depth} 段より深くなっています。入れ子を浅くしてください"
        "（上限は mkdocs.yml の limits_nesting_depth です）。",
    )
    return LimitError(line, field_name, message)


class BoundedComposer:
    """A mixin for PyYAML's pure-Python loaders: refuses aliases and nesting deeper
    than ``max_depth`` while the node tree is built, before the recursion gets deep.
    ``first_line`` turns YAML's line numbers into the file's."""

    max_depth = DEFAULT_LIMITS.nesting_depth
    first_line = 1
    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise alias_error(event.start_mark.line + self.first_line, event.anchor)
        collection = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if collection:
            self._depth += 1
            if self._depth > self.max_depth:
                raise depth_error(self.peek_event().start_mark.line + self.first_line, "front matter", self.max_depth)
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1


class _Loader(BoundedComposer, yaml.SafeLoader):
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
    front_matter: str = ""  # its YAML text, which starts on line FRONT_MATTER_LINE

    def slips(self) -> list[Slip]:
        """The typing slips of the front matter (``title：横浜``), to explain its errors."""
        return find_slips(self.front_matter, FRONT_MATTER_LINE)

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
        cp932 = _is_cp932(raw)
        guess = " (it looks like Shift_JIS)" if cp932 else ""
        message = bi(
            f"not UTF-8 text{guess}: byte 0x{raw[exc.start]:02x}; save the file as UTF-8",
            "文字コードが UTF-8 ではありません"
            + ("（Shift_JIS のようです）" if cp932 else "")
            + "。エディタで文字コードに UTF-8 を選んで保存し直してください。",
        )
        raise ContentFileError(line, "file", message) from None


def _is_cp932(raw: bytes) -> bool:
    try:
        raw.decode("cp932")
    except UnicodeDecodeError:
        return False
    return True


NO_FRONT_MATTER = bi(
    "missing: the file must start with a '---' line",
    "ファイルの1行目が「---」ではありません。1行目に「---」、その下に「title: …」などの項目、"
    "最後にもう一度「---」の行を書いてください。",
)
NOT_CLOSED = bi(
    "not closed: add a '---' line after it",
    "先頭の項目の部分が閉じられていません。項目の最後の行の次に「---」の行を書いてください。",
)
NOT_FIELDS = bi(
    "must be a mapping of 'field: value' lines",
    "先頭の部分は「項目名: 値」の形の行で書いてください。例：title: 地域の居場所づくり",
)


def read_source(path: Path, *, require_front_matter: bool = True, limits: Limits = DEFAULT_LIMITS) -> SourceFile:
    text = decode(read_bounded(path, limits)).replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if require_front_matter:
            raise ContentFileError(1, "front matter", NO_FRONT_MATTER)
        return _checked_body(SourceFile(path, {}, text, 1), limits)
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ContentFileError(1, "front matter", NOT_CLOSED) from None
    yaml_text = "\n".join(lines[1:close])
    data, located = parse_yaml(yaml_text, first_line=FRONT_MATTER_LINE, limits=limits)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        slips = find_slips(yaml_text, FRONT_MATTER_LINE)  # `title:横浜` alone is text to YAML
        raise ContentFileError.of([(slip.line, slip.message) for slip in slips] or [(FRONT_MATTER_LINE, NOT_FIELDS)])
    body = "\n".join(lines[close + 1 :])
    return _checked_body(SourceFile(path, data, body, close + 2, located, yaml_text), limits)


def read_bounded(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file of at most ``limits.file_kb`` KB (never more is read)."""
    limit = limits.file_kb * 1024
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: opening a pipe waits for a writer
            message = bi(
                "not a regular file (a folder, pipe or device); replace it with a text file",
                "ふつうのファイルではありません（フォルダや特殊なファイルです）。テキストファイルに置き換えてください。",
            )
            raise LimitError(1, "file", message)
        with path.open("rb") as file:
            raw = file.read(limit + 1)
    except OSError as exc:  # a dangling link, no permission
        why = exc.strerror or exc
        message = bi(
            f"cannot be read ({why}); fix or remove it",
            f"ファイルを開けません（{why}）。壊れたリンクや読めないファイルなら、直すか消してください。",
        )
        raise ContentFileError(1, "file", message) from None
    if len(raw) > limit:
        message = bi(
            f"is more than {limits.file_kb} KB, the most a content file may hold: split it into smaller files "
            "(the limit is limits_file_kb in mkdocs.yml)",
            f"ファイルが {limits.file_kb} KB を超えています。いくつかのファイルに分けてください"
            "（上限は mkdocs.yml の limits_file_kb です）。",
        )
        raise LimitError(1, "file", message)
    return raw


def _kb(size: int) -> int:
    return -(-size // 1024)


def _checked_body(source: SourceFile, limits: Limits) -> SourceFile:
    size = len(source.body.encode("utf-8"))
    if size > limits.body_kb * 1024:
        message = bi(
            f"is {_kb(size)} KB; at most {limits.body_kb} KB are allowed: split it into several pages "
            "(the limit is limits_body_kb in mkdocs.yml)",
            f"本文が {_kb(size)} KB あります。{limits.body_kb} KB までにしてください。いくつかのページに分けてください"
            "（上限は mkdocs.yml の limits_body_kb です）。",
        )
        raise LimitError(source.body_line, "body", message)
    return source


def parse_yaml(text: str, first_line: int = 1, limits: Limits = DEFAULT_LIMITS) -> tuple[object, dict[Loc, int]]:
    """Load YAML safely and map each key path to its line (``first_line`` based).

    The node tree is checked against ``limits`` (and for aliases) before any value is made."""
    try:
        return _parse_yaml(_FastLoader(text), text, first_line, limits)
    except LimitError:
        raise
    except (_Shared, ContentFileError, yaml.YAMLError):
        loader = _Loader(text)
        loader.max_depth, loader.first_line = limits.nesting_depth, first_line
        return _parse_yaml(loader, text, first_line, limits)


def _parse_yaml(loader: yaml.SafeLoader, text: str, first_line: int, limits: Limits) -> tuple[object, dict[Loc, int]]:
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        check_tree(node, first_line, limits)
        located: dict[Loc, int] = {}
        _locate(node, (), located, first_line)
        return construct(loader, node), located
    except yaml.MarkedYAMLError as exc:
        raise ContentFileError.of(syntax_problems(exc, text, first_line)) from None
    finally:
        loader.dispose()


def check_tree(root: yaml.Node, first_line: int, limits: Limits) -> None:
    """Refuse a node tree over ``limits``: nesting, list length, field names that are
    not text, numbers too long to be one. Iterative, each node once: a node met twice
    is an alias (libyaml resolved it; :class:`_Shared` sends the text to the composer
    that says where)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc, int]] = [(root, (), 1)]
    while stack:
        node, loc, depth = stack.pop()
        if id(node) in seen:
            raise _Shared
        seen.add(id(node))
        line = node.start_mark.line + first_line
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node, line, loc)
            continue
        if depth > limits.nesting_depth:
            raise depth_error(line, format_loc(loc[:1]), limits.nesting_depth)
        if len(node.value) > limits.list_items:
            raise LimitError(line, format_loc(loc), _too_many(node, limits.list_items))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, index), depth + 1) for index, item in enumerate(node.value))
            continue
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                key_line = key_node.start_mark.line + first_line
                message = bi(
                    "a field name must be text, not a list or a mapping",
                    "項目名は文字で書いてください（一覧や「項目名: 値」を項目名にはできません）。",
                )
                raise LimitError(key_line, format_loc(loc), message)
            stack.append((key_node, loc, depth + 1))
            stack.append((value_node, (*loc, key_node.value), depth + 1))


def _too_many(node: yaml.Node, limit: int) -> Bilingual:
    fields = isinstance(node, yaml.MappingNode)
    count = len(node.value)
    return bi(
        f"has {count} {'fields' if fields else 'entries'}; at most {limit} are allowed: shorten it "
        "(the limit is limits_list_items in mkdocs.yml)",
        f"{'項目' if fields else '一覧'}が {count} 件あります。{limit} 件までに減らしてください"
        "（上限は mkdocs.yml の limits_list_items です）。",
    )


def _check_scalar(node: yaml.ScalarNode, line: int, loc: Loc) -> None:
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and len(node.value) > _NUMBER_DIGITS:
        digits = len(node.value)
        message = bi(
            f"is a number of {digits} characters; write it in quotes if it is text",
            f'{digits} 桁の数になっていて、数としては長すぎます。文字なら引用符（"）で囲んでください。',
        )
        raise LimitError(line, format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    """``partners[1].type``: how a location is shown in messages."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "front matter"


def _locate(node: yaml.Node, loc: Loc, located: dict[Loc, int], first_line: int) -> None:
    located.setdefault(loc, node.start_mark.line + first_line)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + first_line
            if key in seen:
                message = bi(
                    f"duplicate field (first set on line {seen[key]})",
                    f"同じ項目がもう一度書かれています（最初は {seen[key]} 行目）。どちらか一方を消してください。",
                )
                raise ContentFileError(line, format_loc((*loc, key)), message)
            seen[key] = line
            located[(*loc, key)] = line
            _locate(value_node, (*loc, key), located, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _locate(item, (*loc, index), located, first_line)
