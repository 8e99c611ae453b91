"""Every body converted once per run, on every core, while the files are still being read.

``check`` needs each body as the site publishes it (its links, what the HTML policy
removed, the limits of conversion) and a build needs the same bodies again: both take
them from one :class:`BodyConversion`. The readers hand over each file's body as they
accept the file (:meth:`BodyConversion.add`); once :data:`PARALLEL_FROM` new bodies have
come, worker processes convert them in chunks meanwhile, each within the bounds of
content/markdown.py, clean them by the HTML policy, list what it removed, and answer
with plain strings. Bodies from the cache, and every body of a small project, are
finished in this process when they are collected (:meth:`BodyConversion.collect`), which
reports each refused body as a located ``body`` error, in the order of the entries.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

import markdown

from site_builder.content.html_policy import HtmlPolicy, Removal, removed
from site_builder.content.i18n import bi
from site_builder.content.links import LinkedBody, Resolver
from site_builder.content.markdown import (
    PARALLEL_FROM,
    STALL_SECONDS,
    Failure,
    MarkdownRenderer,
    bracket_problem,
    convert_bounded,
    load_converter,
    report_extensions,
    site_extensions,
)
from site_builder.content.readers import Entry
from site_builder.content.reporter import ContentErrors, Reporter
from site_builder.content.settings import Config

CHUNK = 32  # bodies a worker converts per job: some 25 ms of its time
MAX_WORKERS = 4


@dataclass(frozen=True)
class ConvertedBody:
    """One body as the checks and the build use it."""

    markdown_html: str | None  # what Python-Markdown made of it (the cache keeps this); None: not converted
    html: str = ""  # as published: cleaned by the HTML policy (empty when not converted)
    removals: tuple[Removal, ...] = ()  # what the cleaning took out


NOT_CONVERTED = ConvertedBody(None)


def finish(policy: HtmlPolicy, html: str) -> ConvertedBody:
    """Converted ``html`` cleaned by ``policy``, with what the cleaning removed."""
    cleaned = policy.clean(html)
    return ConvertedBody(html, cleaned, tuple(removed(policy, html, cleaned)))


def _convert_chunk(texts: list[str], seconds: float, policy: HtmlPolicy) -> list[ConvertedBody | Failure]:
    """In a worker (or this process): each text converted within ``seconds`` and finished."""
    results: list[ConvertedBody | Failure] = []
    for text in texts:
        html = convert_bounded(text, seconds)
        results.append(html if isinstance(html, Failure) else finish(policy, html))
    return results


class BodyConversion:
    """The bodies of one run: handed over while files are read, collected once for every check.

    Use it in a ``with`` block: leaving it ends the worker processes, stuck ones included."""

    def __init__(self, config: Config, cache_dir: Path | None):
        self.config, self.policy, self.seconds = config, config.html_policy, config.limits.markdown_seconds
        self.names, self.configs = site_extensions(config)
        self.broken: Exception | None = None
        try:
            markdown.Markdown(extensions=self.names, extension_configs=self.configs)
        except Exception as exc:  # a misspelt extension or a wrong option in mkdocs.yml
            self.broken = exc
        self.cache = MarkdownRenderer(self.names, self.configs, cache_dir if self.broken is None else None)
        self.keys: dict[str, str] = {}  # body text -> its cache key
        self.problems: dict[str, tuple[int, str] | None] = {}  # cache key -> bracket_problem
        self.waiting: list[tuple[str, str]] = []  # (key, text) of new bodies no worker has yet
        self.jobs: list[tuple[AsyncResult, list[tuple[str, str]]]] = []
        self.results: dict[str, ConvertedBody | Failure] = {}
        self.new = 0  # bodies neither in the cache nor refused before conversion
        self.pool: Pool | None = None
        self.answered = time.monotonic()  # when a worker last answered or got work

    def __enter__(self) -> BodyConversion:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add(self, entry: Entry) -> None:
        """Hand over ``entry``'s body; with enough new bodies, workers convert them meanwhile."""
        text = entry.body
        if self.broken is not None or text in self.keys:
            return
        key = self.keys[text] = self.cache.key(text)
        problem = self.problems[key] = bracket_problem(text)
        if problem is not None or key in self.cache.cache:
            return
        self.waiting.append((key, text))
        self.new += 1
        if self.pool is None and self.new >= PARALLEL_FROM and _workers() >= 2:
            self._start_pool()
        if self.pool is not None and len(self.waiting) >= CHUNK:
            self._send()

    def collect(self, entries: list[Entry], reporter: Reporter) -> dict[Path, ConvertedBody]:
        """Each entry's body by its path; a body refused by the limits is a ``body`` error
        in ``reporter`` (in the order of ``entries``) and checked as empty."""
        if self.broken is not None:
            report_extensions(self.config, reporter, self.broken)
            return {entry.path: NOT_CONVERTED for entry in entries}
        for entry in entries:
            self.add(entry)
        try:
            self._convert_waiting()
        finally:
            self.close()
        found: dict[Path, ConvertedBody] = {}
        for entry in entries:
            key = self.keys[entry.body]
            problem = self.problems[key]
            result = Failure(problem[1]) if problem else self._result(key)
            if isinstance(result, Failure):
                reporter.error(entry.path, entry.body_line + (problem[0] if problem else 0), "body", result.message)
                result = NOT_CONVERTED
            found[entry.path] = result
        return found

    def save(self, entries: list[Entry], bodies: dict[Path, ConvertedBody]) -> None:
        """Keep the conversions of ``entries`` (a build's) as the cache, and only those."""
        html: dict[str, str] = {}
        for entry in entries:
            converted = bodies[entry.path].markdown_html
            if converted is not None:
                html.setdefault(self.keys[entry.body], converted)
        if self.broken is None:
            self.cache.save(html)

    def close(self) -> None:
        """End the workers; what they had not answered is converted again if asked for."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None
        for _, chunk in self.jobs:
            self.waiting += chunk
        self.jobs = []

    def _result(self, key: str) -> ConvertedBody | Failure:
        if key not in self.results:  # from the cache: finished here
            self.results[key] = finish(self.policy, self.cache.cache[key])
        return self.results[key]

    def _convert_waiting(self) -> None:
        main_thread = threading.current_thread() is threading.main_thread()
        if self.pool is None and main_thread and (self.new < PARALLEL_FROM or _workers() < 2):
            if self.waiting:
                load_converter(self.names, self.configs)
                keys, texts = zip(*self.waiting, strict=True)
                self.results.update(zip(keys, _convert_chunk(list(texts), self.seconds, self.policy), strict=True))
                self.waiting = []
            return
        # The timer's signal reaches only a main thread: off it (site-builder serve), even one body goes to a worker.
        if self.waiting and self.pool is None:
            self._start_pool()
        while self.waiting:
            self._send()
        for job, chunk in self.jobs:
            while not job.ready() and time.monotonic() - self.answered < STALL_SECONDS + self.seconds * len(chunk):
                job.wait(0.2)
            answers = job.get() if job.ready() else [STUCK] * len(chunk)  # the one body that hung is among these
            self.results.update(zip([key for key, _ in chunk], answers, strict=True))
        self.jobs = []

    def _start_pool(self) -> None:
        # fork is the fast start, but safe only from a process with one thread; the fork server
        # (started once, with this module loaded) serves site-builder serve's rebuilds.
        context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload([__name__])
        workers = max(1, min(_workers(), self.new))
        self.pool = context.Pool(workers, initializer=load_converter, initargs=(self.names, self.configs))

    def _send(self) -> None:
        assert self.pool is not None
        chunk, self.waiting = self.waiting[:CHUNK], self.waiting[CHUNK:]
        texts = [text for _, text in chunk]
        job = self.pool.apply_async(_convert_chunk, (texts, self.seconds, self.policy), callback=self._answer)
        self.jobs.append((job, chunk))
        self.answered = time.monotonic()

    def _answer(self, _: object) -> None:
        self.answered = time.monotonic()


STUCK = Failure(
    bi(
        f"not converted: a worker stopped answering for {STALL_SECONDS:g} s; split or simplify it",
        f"本文の変換が {STALL_SECONDS:g} 秒止まったため、変換できませんでした。"
        "本文を分けるか、書き方を簡単にしてください。",
    )
)


def _workers() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def link_bodies(entries: list[Entry], bodies: dict[Path, ConvertedBody], resolver: Resolver) -> dict[str, LinkedBody]:
    """Each entry's published body by its URL, its references resolved (content/links.py)."""
    return {entry.url: resolver.link_body(entry.path, bodies[entry.path].html) for entry in entries}


def convert_bodies(
    entries: list[Entry], config: Config, resolver: Resolver, cache_dir: Path | None = None
) -> dict[str, LinkedBody]:
    """The bodies of ``entries`` alone, converted, cleaned and linked (:func:`link_bodies`);
    a body over the limits raises :class:`ContentErrors`. The cache in ``cache_dir``, if
    given, is then these bodies."""
    reporter = Reporter(config.root)
    with BodyConversion(config, cache_dir) as conversion:
        bodies = conversion.collect(entries, reporter)
    conversion.save(entries, bodies)
    if not reporter.ok:
        raise ContentErrors(reporter)
    return link_bodies(entries, bodies, resolver)
