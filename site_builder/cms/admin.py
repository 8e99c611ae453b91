"""``/admin/``: the web editing form, served from the site itself.

The page (``index.html``: Japanese, ``noindex``, in no sitemap and no search index),
the configuration made from the content models (``config.yml``, :mod:`.config`),
this package's ``admin.js`` (what the form does before it saves: see that file),
the site's preview templates (``theme/admin/preview.js``), and Decap CMS itself,
copied from the npm package that ``package-lock.json`` pins: its browser bundle
(``decap-cms.js``), the numbered chunks and ``.wasm`` files it loads from its own
folder at run time, and its licence notices; not its source maps (nor the comments
that name them). Nothing comes from
a CDN. The package is looked for in the project's ``node_modules/``, then in
site-builder's own checkout (where ``npm ci`` installs it); when it is missing, or is
not the version the lock names, there is no ``/admin/`` and the build says so in one
line (:class:`BundleMissing`).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from site_builder.cms.config import config_yaml
from site_builder.content.field_labels import FIELD_LABELS
from site_builder.content.i18n import bi
from site_builder.content.settings import Config
from site_builder.site.prune import without_source_map

ADMIN = "admin/"
PACKAGE = "decap-cms"
TOOL_FOLDER = Path(__file__).resolve().parents[2]  # site-builder's checkout: package.json, package-lock.json
SCRIPT = Path(__file__).with_name("admin.js")
PREVIEW = Path("theme") / "admin" / "preview.js"
# What the browser loads from dist/ (webpack's chunks by number, its wasm by hash), and the licences.
BUNDLE_FILE = re.compile(r"decap-cms\.js|[0-9]+\.decap-cms\.js|[0-9a-f]+\.wasm|decap-cms\.js\.LICENSE\.txt")
PAGE = """<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="../assets/favicon.svg" type="image/svg+xml">
<title>サイトの編集 | {site_name}</title>
</head>
<body>
<noscript><p>サイトの編集画面を使うには、ブラウザの JavaScript を有効にしてください。</p></noscript>
{scripts}
</body>
</html>
"""


class BundleMissing(Exception):
    """The pinned Decap CMS package is not installed; its message says how to install it."""


def render_admin(config: Config) -> dict[str, str | Path]:
    """``{site path: text, or the file to copy}`` of ``/admin/``; :class:`BundleMissing`
    when the package is not there. The scripts lose the comment that names their source
    map, which is not shipped."""
    files: dict[str, str | Path] = {}
    for name, path in bundle_files(config.root).items():
        script = path.suffix == ".js"
        files[ADMIN + name] = without_source_map(path.read_text(encoding="utf-8"))[0] if script else path
    scripts = ["decap-cms.js", "admin.js"]
    files[ADMIN + "admin.js"] = save_rules()
    preview = config.root / PREVIEW
    if preview.is_file():
        files[ADMIN + "preview.js"] = preview
        scripts.append("preview.js")
    tags = "\n".join(f'<script src="{name}"></script>' for name in scripts)
    files[ADMIN + "index.html"] = PAGE.format(site_name=html.escape(config.site_name), scripts=tags)
    files[ADMIN + "config.yml"] = config_yaml(config)
    return files


def save_rules() -> str:
    """``admin.js`` with the form's labels of the fields its messages name."""
    names = {name: FIELD_LABELS[f"Item.{name}"].label for name in ("slug", "image", "image_alt")}
    return SCRIPT.read_text(encoding="utf-8").replace("__LABELS__", json.dumps(names, ensure_ascii=False))


def find_package(root: Path, name: str) -> Path | None:
    """``node_modules/<name>`` of the project at ``root``, else of site-builder's checkout."""
    for folder in dict.fromkeys((root.resolve(), TOOL_FOLDER)):
        package = folder / "node_modules" / name
        if (package / "package.json").is_file():
            return package
    return None


def bundle_files(root: Path) -> dict[str, Path]:
    """``{name: file}`` of the browser bundle of the pinned package."""
    package = find_package(root, PACKAGE)
    if package is None:
        raise BundleMissing(
            bi(
                f"/admin/ (web editing) left out: node_modules/{PACKAGE} is missing; "
                f"run `npm ci --ignore-scripts` in {TOOL_FOLDER} (or `make preview`, which runs it)",
                f"編集画面 /admin/ は作りませんでした。node_modules/{PACKAGE} がありません。"
                f"{TOOL_FOLDER} で `npm ci --ignore-scripts` を実行してください（`make preview` でも入ります）。",
            )
        )
    installed, locked = package_version(package), locked_version(package.parent.parent, PACKAGE)
    if locked is not None and installed != locked:
        raise BundleMissing(
            bi(
                f"/admin/ (web editing) left out: node_modules/{PACKAGE} is {installed}, package-lock.json "
                f"says {locked}; run `npm ci --ignore-scripts` in {package.parent.parent}",
                f"編集画面 /admin/ は作りませんでした。node_modules/{PACKAGE} の版（{installed}）が "
                f"package-lock.json（{locked}）と違います。{package.parent.parent} で "
                "`npm ci --ignore-scripts` を実行してください。",
            )
        )
    dist = package / "dist"
    return {path.name: path for path in sorted(dist.iterdir()) if BUNDLE_FILE.fullmatch(path.name) and path.is_file()}


def package_version(package: Path) -> str | None:
    return json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")


def locked_version(folder: Path, name: str) -> str | None:
    """The version ``folder/package-lock.json`` pins for ``name``; ``None`` without a lock."""
    lock = folder / "package-lock.json"
    if not lock.is_file():
        return None
    packages = json.loads(lock.read_text(encoding="utf-8")).get("packages", {})
    return packages.get(f"node_modules/{name}", {}).get("version")
