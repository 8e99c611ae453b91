"""Site configuration: ``mkdocs.yml`` for the engine, ``extra.site_builder`` for us."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ENGINES = ("mkdocs", "properdocs", "zensical")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    root: Path
    engine_config: dict
    settings: dict = field(default_factory=dict)

    @property
    def site_name(self) -> str:
        return self.engine_config.get("site_name", "")

    @property
    def site_url(self) -> str:
        return self.engine_config.get("site_url", "http://127.0.0.1:8000/").rstrip("/") + "/"

    @property
    def description(self) -> str:
        return self.engine_config.get("site_description", "")

    @property
    def engine(self) -> str:
        engine = os.environ.get("SITE_BUILDER_ENGINE") or self.settings.get("site_engine", "mkdocs")
        if engine not in ENGINES:
            raise ConfigError(f"site_engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        return engine

    def get(self, key: str, default=None):
        return self.settings.get(key, default)

    def absolute(self, url: str) -> str:
        """An absolute URL for a site path such as ``/cases/foo/``."""
        return self.site_url + url.lstrip("/")

    def markdown_extensions(self) -> tuple[list[str], dict]:
        names, configs = [], {}
        for entry in self.engine_config.get("markdown_extensions", []):
            if isinstance(entry, dict):
                (name, options), = entry.items()
                names.append(name)
                configs[name] = options or {}
            else:
                names.append(entry)
        return names, configs


def read_config(root: Path) -> Config:
    path = root / "mkdocs.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run site-builder in the project folder") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    settings = (data.get("extra") or {}).get("site_builder") or {}
    return Config(root, data, settings)
