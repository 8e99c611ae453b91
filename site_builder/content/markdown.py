"""Markdown bodies to HTML with the site's own extension list, cached and in parallel.

Conversions are keyed by a hash of the text and the extension config, kept in
``.cache/site-builder/markdown.json`` (data only: a cache never holds code) between builds; new ones are spread over
the machine's cores when there are enough of them to be worth it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import markdown

from site_builder.content.links import LinkedBody, Resolver
from site_builder.content.readers import Entry
from site_builder.content.settings import Config
from site_builder.writer import replace_file

PARALLEL_FROM = 64
_converter: markdown.Markdown | None = None


def _init(names: list[str], configs: dict) -> None:
    global _converter
    _converter = markdown.Markdown(extensions=names, extension_configs=configs, output_format="html")


def _convert(text: str) -> str:
    assert _converter is not None
    _converter.reset()
    return _converter.convert(text)


def _convert_many(texts: list[str]) -> list[str]:
    return [_convert(text) for text in texts]


class MarkdownRenderer:
    def __init__(self, names: list[str], configs: dict, cache_dir: Path | None):
        self.names, self.configs = names, configs
        self.salt = json.dumps([markdown.__version__, names, configs], sort_keys=True, default=str)
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

    def render_all(self, texts: list[str]) -> list[str]:
        keys = [self.key(text) for text in texts]
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in self.cache}.items())
        if missing:
            results = self._run([text for _, text in missing])
            self.cache.update(zip((key for key, _ in missing), results, strict=True))
        html = [self.cache[key] for key in keys]
        self.cache = {key: self.cache[key] for key in keys}
        return html

    def _run(self, texts: list[str]) -> list[str]:
        workers = min(os.cpu_count() or 1, 4)
        if len(texts) < PARALLEL_FROM or workers < 2:
            _init(self.names, self.configs)
            return _convert_many(texts)
        chunks = [texts[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(self.names, self.configs)) as pool:
            parts = list(pool.map(_convert_many, chunks))
        results: list[str] = [""] * len(texts)
        for offset, part in enumerate(parts):
            results[offset::workers] = part
        return results

    def save(self) -> None:
        if self.cache_path:
            replace_file(self.cache_path, json.dumps(self.cache, ensure_ascii=False).encode("utf-8"))


def convert_all(config: Config, entries: list[Entry], cache_dir: Path | None = None) -> list[str]:
    """The bodies of ``entries`` as HTML, as the site converts them. The cache in
    ``cache_dir`` is read, never written: checking content writes nothing."""
    names, configs = config.markdown_extensions()
    return MarkdownRenderer(names, configs, cache_dir).render_all([entry.body for entry in entries])


def convert_bodies(
    entries: list[Entry], config: Config, resolver: Resolver, cache_dir: Path | None = None
) -> dict[str, LinkedBody]:
    """Each entry's body converted with the site's Markdown extensions and its
    references resolved (:mod:`site_builder.content.links`), by the entry's URL."""
    names, configs = config.markdown_extensions()
    renderer = MarkdownRenderer(names, configs, cache_dir)
    html = renderer.render_all([entry.body for entry in entries])
    renderer.save()
    return {entry.url: resolver.link_body(entry.path, body) for entry, body in zip(entries, html, strict=True)}
