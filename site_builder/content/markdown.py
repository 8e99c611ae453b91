"""Markdown bodies to HTML with the site's own extension list, cached and bounded.

Conversions are keyed by a hash of the text and the extension config, kept in
``.cache/site-builder/markdown.json`` (data only: a cache never holds code) between
builds (:class:`MarkdownRenderer`). content/bodies.py converts every body of a run with
these functions, spread over worker processes when there are enough bodies to be worth it.

A body is input, so its conversion is bounded: before it, a body whose brackets would
keep Python-Markdown busy for minutes is refused (:func:`bracket_problem`); during it,
each body has ``limits_markdown_seconds`` of CPU time, counted by ``setitimer`` in the
process that converts it (the main thread of the CLI, or a worker), and a body nested
deeper than Python's recursion allows is refused. A worker that stops answering
(nothing the timer can interrupt) is killed with the pool. Each refusal is a located
``body`` error: ``check`` converts every body (for the reference check of
content/references.py) and so reports them before a build.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import markdown

from site_builder.content.frontmatter import DEFAULT_LIMITS
from site_builder.content.i18n import bi
from site_builder.content.reporter import Reporter
from site_builder.content.settings import Config
from site_builder.writer import replace_file

PARALLEL_FROM = 64
STALL_SECONDS = 30.0  # beyond the CPU budget: a worker silent this long is stuck and killed
BRACKET_WORK_LIMIT = 4_000_000  # characters Markdown's link patterns scan: about a second of its time
# Python frames one conversion may use: fewer than the engine has left when it converts the same
# page again (MkDocs with md_in_html, ~980), so a body check accepts never crashes the engine.
MARKDOWN_FRAMES = 850
# Heading ids are the heading's own text, Japanese kept (「開催概要」 → ``#開催概要``, not ``#_1``),
# in item bodies (here) and in ordinary pages (the engine's config names the same function:
# site/engine.py). Python-Markdown's own, so every engine that reads mkdocs.yml can load it.
HEADING_SLUGIFY = "markdown.extensions.toc.slugify_unicode"
TOC_NAMES = ("toc", "markdown.extensions.toc")
_converter: markdown.Markdown | None = None
_extensions: tuple[list[str], dict] = ([], {})


@dataclass(frozen=True)
class Failure:
    """A body that was not converted: the message of its ``body`` error."""

    message: str


class _Overtime(BaseException):  # not an Exception: no ``except Exception`` in Markdown swallows it
    """The CPU timer of one conversion ran out."""


def load_converter(names: list[str], configs: dict) -> None:
    """This process's converter, with the site's extensions (:func:`site_extensions`)."""
    global _converter, _extensions
    _extensions = (names, configs)
    _converter = markdown.Markdown(extensions=names, extension_configs=configs, output_format="html")


def _overtime(signum: int, frame: object) -> None:
    raise _Overtime


def convert_bounded(text: str, seconds: float) -> str | Failure:
    """One body converted within ``seconds`` of CPU time; the main thread of a process only."""
    assert _converter is not None
    previous, recursion_limit = signal.signal(signal.SIGPROF, _overtime), sys.getrecursionlimit()
    try:
        try:
            sys.setrecursionlimit(_stack_depth() + MARKDOWN_FRAMES)
            signal.setitimer(signal.ITIMER_PROF, seconds)
            _converter.reset()
            return _converter.convert(text)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            sys.setrecursionlimit(recursion_limit)
    except _Overtime:
        load_converter(*_extensions)  # a conversion stopped halfway may leave the converter in any state
        return Failure(
            bi(
                f"took longer than {seconds:g} s to convert (limits_markdown_seconds); split or simplify it",
                f"本文の変換に {seconds:g} 秒より長くかかりました。本文を分けるか、書き方を簡単にしてください"
                "（上限は mkdocs.yml の limits_markdown_seconds です）。",
            )
        )
    except RecursionError:
        load_converter(*_extensions)
        return Failure(
            bi(
                "nested too deeply to convert (lists, quotes or HTML blocks inside each other); flatten the nesting",
                "本文の入れ子（箇条書きや引用、HTML の中の入れ子）が深すぎて変換できません。入れ子を浅くしてください。",
            )
        )
    except Exception as exc:  # an extension that trips over odd input: the body's error, never a traceback
        load_converter(*_extensions)
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        return Failure(
            bi(
                f"could not be converted ({why}); simplify it",
                f"本文を変換できませんでした（{why}）。書き方を簡単にしてください。",
            )
        )
    finally:
        signal.signal(signal.SIGPROF, previous)


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


class MarkdownRenderer:
    """The cache of conversions: HTML by :meth:`key` of the text, for one extension config."""

    def __init__(
        self, names: list[str], configs: dict, cache_dir: Path | None, seconds: float = DEFAULT_LIMITS.markdown_seconds
    ):
        self.names, self.configs, self.seconds = names, configs, seconds
        self.salt = json.dumps([markdown.__version__, names, configs], sort_keys=True, default=_salt_value)
        self.cache_path = cache_dir / "markdown.json" if cache_dir else None
        self.cache: dict[str, str] = {}
        if self.cache_path and self.cache_path.is_file():
            try:
                loaded = json.loads(self.cache_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # a damaged cache is only slower, never wrong
                loaded = None
            if isinstance(loaded, dict):
                self.cache = {key: value for key, value in loaded.items() if isinstance(value, str)}
            else:
                print(f"warning: {self.cache_path} is damaged; it is ignored and written anew", file=sys.stderr)

    def key(self, text: str) -> str:
        return hashlib.sha256((self.salt + "\0" + text).encode("utf-8")).hexdigest()

    def save(self, html: dict[str, str]) -> None:
        """Keep ``html`` (by :meth:`key`) as the cache, and nothing else."""
        if self.cache_path:
            replace_file(self.cache_path, json.dumps(html, ensure_ascii=False).encode("utf-8"))


def _salt_value(value: object) -> str:
    """A callable option (toc's ``slugify``) by its dotted name: the same in every process."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return str(value)


# --- bodies that would keep Markdown busy for minutes --------------------------------

_BRACKET_TOKENS = re.compile(r"\\.|[\[\]]|\n[ \t]*\n")


def bracket_problem(text: str) -> tuple[int, str] | None:
    """``(line in text, message)`` when Python-Markdown's link patterns would scan too much.

    They scan from every ``[`` to its ``]``, or to the end of the paragraph when there is
    none: 20,000 ``[^`` (40 KB) take minutes. This counts that work in one pass over the
    brackets, paragraph by paragraph (code included: it can only overestimate)."""
    if text.count("[") * (len(text) + 2) <= BRACKET_WORK_LIMIT:
        return None  # each '[' adds at most the length of the text: the work cannot go over the limit
    worst = (0, 0, 0)  # work, offset of the paragraph, its brackets
    start, work, opened, brackets = 0, 0, [], 0
    for match in _BRACKET_TOKENS.finditer(text + "\n\n"):
        token = match.group()
        if token == "[":
            opened.append(match.start())
            brackets += 1
        elif token == "]" and opened:
            work += match.start() - opened.pop()
        elif token[0] == "\n":
            work += sum(match.start() - position for position in opened)
            worst = max(worst, (work, start, brackets))
            start, work, opened, brackets = match.end(), 0, [], 0
    if worst[0] <= BRACKET_WORK_LIMIT:
        return None
    line = text.count("\n", 0, worst[1])
    return line, bi(
        f"{worst[2]} '[' in the paragraph on this line would make Markdown conversion take minutes; "
        "close each '[' with ']' or write \\[ for a literal bracket",
        f"この行からの段落に「[」が {worst[2]} 個あり、変換に何分もかかってしまいます。「[」ごとに「]」で閉じるか、"
        "かっこそのものを書くときは \\[ と書いてください。",
    )


# --- the site's extensions -------------------------------------------------------------


def site_extensions(config: Config) -> tuple[list[str], dict]:
    """``markdown_extensions`` of mkdocs.yml as Python-Markdown takes them, with the
    table of contents' ids made by :data:`HEADING_SLUGIFY`."""
    names, configs = config.markdown_extensions()
    for name in names:
        options = configs.get(name, {})
        if name in TOC_NAMES and isinstance(options, dict):  # other options: Markdown's own error reports them
            configs[name] = {**options, "slugify": heading_slugify()}
    return names, configs


def heading_slugify() -> Callable[[str, str], str]:
    module, _, name = HEADING_SLUGIFY.rpartition(".")
    return getattr(importlib.import_module(module), name)


def report_extensions(config: Config, reporter: Reporter, exc: Exception) -> None:
    """The error of ``markdown_extensions`` that cannot be loaded, on its line in mkdocs.yml."""
    path = config.root / "mkdocs.yml"
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeError):
        lines = []
    line = next((i + 1 for i, text in enumerate(lines) if text.startswith("markdown_extensions:")), 1)
    why = f"{type(exc).__name__}: {exc}"
    message = bi(
        f"cannot be loaded ({why}); fix the extension's name or options",
        f"Markdown の拡張機能を読み込めません（{why}）。拡張機能の名前や設定を直してください。",
    )
    reporter.error(path, line, "markdown_extensions", message)
