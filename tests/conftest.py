"""Shared fixtures: scratch projects written with tmp_path, and the real CLI."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.content.i18n import set_language
from tests import served_site

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = Path(__file__).resolve().parent / "sample_site"


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# Settings that link pages of the project's own content (the footer's contact page, the home
# page's entry points…): a scratch project has none of those pages, and `check` would warn.
CONTENT_LINK_SETTINGS = ("center_contact_url", "center_wards_url", "center_purposes", "center_footer_links")


def scratch_config() -> str:
    """The repository's mkdocs.yml without :data:`CONTENT_LINK_SETTINGS` (each with its nested lines)."""
    kept, skipping = [], None
    for line in (PROJECT / "mkdocs.yml").read_text(encoding="utf-8").splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if skipping is not None and (indent > skipping or not line.strip()):
            continue
        skipping = None
        if line.strip().split(":", 1)[0] in CONTENT_LINK_SETTINGS:
            skipping = indent
            continue
        kept.append(line)
    return "".join(kept)


def new_project(root: Path, files: dict[str, str | bytes] | None = None, own_content: bool = False) -> Path:
    """A scratch project: the real theme and config, with the given content files. ``own_content``:
    the project's own or the sample site's content will be copied in, so the config stays whole;
    else it is :func:`scratch_config`."""
    if own_content:
        shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    else:
        (root / "mkdocs.yml").write_text(scratch_config(), encoding="utf-8")
    shutil.copytree(PROJECT / "theme", root / "theme")
    for folder in ("cases", "events", "content"):
        (root / folder).mkdir(exist_ok=True)
    return write_files(root, files or {})


def without_server(root: Path) -> Path:
    """The project at ``root`` without the ``server_*`` settings: a site with no forms."""
    config = root / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(line for line in lines if not line.lstrip().startswith("server_")), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Tests read messages in English (the maintainers' language) unless they pass
    ``--lang ja``; tests/test_messages_ja.py checks the Japanese that editors read."""
    monkeypatch.setenv("SITE_BUILDER_LANG", "en")
    monkeypatch.delenv("SITE_BUILDER_SERVER_URL", raising=False)  # a developer's preview setting: mkdocs.yml's own
    set_language(None)
    yield
    set_language(None)


@pytest.fixture
def project(tmp_path: Path):
    def make(files: dict[str, str | bytes] | None = None) -> Path:
        return new_project(tmp_path, files)

    return make


@pytest.fixture
def run_cli(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def project_site(tmp_path_factory) -> Path:
    """The project's own content built once at ``served_site.NOW`` (tests/served_site.py)."""
    return served_site.build(tmp_path_factory.mktemp("project-site") / "site")


@pytest.fixture(scope="session")
def project_url(project_site: Path):
    """The base URL (no final slash) that serves :func:`project_site` on 127.0.0.1."""
    with served_site.serve(project_site) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_cluster():
    """One PostgreSQL cluster for the test run (tests/postgres.py); tests make their own databases in it."""
    from tests import postgres

    with postgres.cluster() as url:
        yield url
