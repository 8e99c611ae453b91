"""The editors' guide (docs/editor-guide.md) cannot drift from the code.

Its example files are fenced blocks whose info string names the file they are,
e.g. ```` ```markdown title="cases/ibasho-hodogaya.md" ```` (the title attribute of
MkDocs Material's code blocks, ignored by GitHub's renderer; the block holds the
file exactly, so an editor can copy it as it is). Every such block is written
into a scratch project and must pass ``site-builder check`` without an error or a
warning. Images cannot be shown in text, so the test puts a small PNG wherever an
example refers to one. The guide must also name every field of every content
model, and every id the code knows (wards, statuses, partner types, series, SDGs,
networks) beside its Japanese name.
"""

from __future__ import annotations

import inspect
import re
import shutil
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from site_builder.content import dates, labels, models
from site_builder.content.field_labels import FIELD_LABELS
from site_builder.content.kinds import KINDS
from site_builder.content.post_length import NETWORKS
from site_builder.content.wards import AREA_NAMES
from site_builder.pipeline import load
from tests.conftest import PROJECT, new_project

GUIDE = PROJECT / "docs" / "editor-guide.md"
EXAMPLE = re.compile(r'^```(?P<lang>[\w-]+) title="(?P<path>[^"]+)"\n(?P<text>.*?)^```$', re.M | re.S)
IMAGE_FIELD = re.compile(r"^image:\s*(\S+)\s*$", re.M)
BODY_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

# After every date in the guide's examples: they link to each other, and a link counts once its target is public.
GUIDE_NOW = dates.as_instant(dates.parse_time("2027-02-10T12:00"))


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def examples() -> dict[str, str]:
    found: dict[str, str] = {}
    for match in EXAMPLE.finditer(guide_text()):
        path = match["path"]
        assert path not in found, f"the guide has two examples named {path}"
        found[path] = match["text"]
    return found


def images(path: str, text: str) -> dict[str, bytes]:
    """A PNG for each image an example refers to, beside the example."""
    folder = Path(path).parent
    targets = IMAGE_FIELD.findall(text) + BODY_IMAGE.findall(text)
    return {(folder / target).as_posix(): PNG for target in targets if "://" not in target}


@pytest.fixture(scope="module")
def guide_project(tmp_path_factory) -> Path:
    files: dict[str, str | bytes] = {}
    for path, text in examples().items():
        files |= images(path, text)
        files[path] = text
    root = tmp_path_factory.mktemp("guide")
    new_project(root, own_content=True)
    for folder in ("cases", "events", "content"):  # the examples live among the repository's pages, which they link to
        shutil.copytree(PROJECT / folder, root / folder, dirs_exist_ok=True)
    for name, data in files.items():  # written as they are: write_files would dedent them
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return root


def test_every_example_passes_check_without_warnings(guide_project, run_cli):
    _, _, reporter = load(guide_project, GUIDE_NOW)
    assert reporter.messages == []
    assert reporter.warning_messages == []
    code, _, err = run_cli("--root", guide_project, "check", "--now", "2027-02-10T12:00")
    assert code == 0, err


def test_there_is_an_example_of_every_content_type_and_each_is_read(guide_project):
    markdown = {path for path in examples() if path.endswith(".md")}
    _, content, _ = load(guide_project, GUIDE_NOW)
    read = {
        kind.name: [entry.path.relative_to(guide_project).as_posix() for entry in content.of(kind.name)]
        for kind in KINDS
    }
    found = {path for paths in read.values() for path in paths}
    assert markdown <= found  # none silently ignored
    kinds = {name for name, paths in read.items() if markdown & set(paths)}
    assert kinds == {kind.name for kind in KINDS}  # case, event, news, issue, page, edition
    assert any(path.endswith(".csv") for path in examples())


def content_models() -> list[type[BaseModel]]:
    return [
        model
        for _, model in inspect.getmembers(models, inspect.isclass)
        if issubclass(model, BaseModel) and model.__module__ == models.__name__
    ]


def field_names(model: type[BaseModel]) -> list[str]:
    """The names editors write: the alias where there is one (``from`` for ``period_from``)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def literals(annotation: object) -> set[str]:
    """Every text value a ``Literal`` inside ``annotation`` allows."""
    if typing.get_origin(annotation) is typing.Literal:
        return {value for value in typing.get_args(annotation) if isinstance(value, str)}
    return {value for arg in typing.get_args(annotation) for value in literals(arg)}


def section(heading_part: str) -> str:
    """The text under the one level-2 heading that contains ``heading_part``."""
    parts = re.split(r"^## ", guide_text(), flags=re.M)
    matching = [part for part in parts if heading_part in part.split("\n", 1)[0]]
    assert len(matching) == 1, heading_part
    return matching[0]


def test_the_guide_names_every_field_of_every_model():
    text = guide_text()
    missing = [
        f"{model.__name__}.{name}"
        for model in content_models()
        for name in field_names(model)
        if f"`{name}`" not in text
    ]
    assert missing == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_content_type_has_its_section_naming_its_own_fields(kind):
    text = section(f"（`{kind.folder}/`")
    common = set(models.Item.model_fields) if issubclass(kind.model, models.Item) else set()
    own_fields = {name: info for name, info in kind.model.model_fields.items() if name not in common}
    own = [info.alias or name for name, info in own_fields.items()]
    own += [
        field
        for info in own_fields.values()
        for model in nested_models(info.annotation)
        for field in field_names(model)
    ]
    assert [name for name in own if f"`{name}`" not in text] == []


def nested_models(annotation: object) -> list[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in nested_models(arg)]


def test_the_common_fields_and_sns_posts_are_in_the_common_section():
    text = section("共通の項目")
    names = field_names(models.Item) + field_names(models.SnsPost)
    assert [name for name in names if f"`{name}`" not in text] == []


def test_every_allowed_value_of_the_models_is_named():
    text = guide_text()
    values = {
        value
        for model in content_models()
        for info in model.model_fields.values()
        for value in literals(info.annotation)
    }
    assert values >= {"npo", "cancelled", "stacked-bar", "cp932", "bluesky"}
    assert sorted(value for value in values if f"`{value}`" not in text) == []


def table_rows() -> set[tuple[str, ...]]:
    rows = set()
    for line in guide_text().splitlines():
        if line.startswith("|"):
            rows.add(tuple(cell.strip() for cell in line.strip("|").split("|")))
    return rows


# Where the guide lists each model's fields: the heading of its section.
SECTIONS = {
    "Item": "共通の項目",
    "SnsPost": "共通の項目",
    "Case": "（`cases/`",
    "Partner": "（`cases/`",
    "Event": "（`events/`",
    "IssuePage": "（`content/issues/`",
    "Dataset": "（`content/issues/`",
    "Chart": "（`content/issues/`",
    "Edition": "（`content/newsletter/`",
}


def rows_in(text: str) -> list[tuple[str, ...]]:
    return [
        tuple(cell.strip() for cell in line.strip("|").split("|")) for line in text.splitlines() if line.startswith("|")
    ]


@pytest.mark.parametrize("key", sorted(key for key in FIELD_LABELS if "." in key))
def test_the_guide_calls_each_field_by_the_name_the_web_form_shows(key):
    """The web form's label of a field (content/field_labels.py) begins the guide's row of it."""
    model, name = key.split(".")
    rows = rows_in(section(SECTIONS[model]))
    label = FIELD_LABELS[key].label
    assert any(row[0] == f"`{name}`" and row[2].startswith(label) for row in rows), (key, label)


@pytest.mark.parametrize(
    "names",
    [AREA_NAMES, labels.CASE_STATUS, labels.EVENT_STATUS, labels.SERIES],
    ids=["wards", "case-status", "event-status", "series"],
)
def test_every_id_is_in_a_table_row_with_its_japanese_name(names):
    rows = table_rows()
    for key, name in names.items():
        assert any(row[0] == f"`{key}`" and row[1] == name for row in rows), (key, name)


def test_every_partner_type_and_sdg_is_in_a_table_row_with_its_japanese_name():
    rows = table_rows()
    for key, name in labels.PARTNER_TYPES.items():  # 地縁組織 gets a note in brackets
        assert any(row[0] == f"`{key}`" and row[1].startswith(name) for row in rows), (key, name)
    for number, name in labels.SDGS.items():
        assert (str(number), name) in rows


def test_every_network_is_named():
    text = section("共通の項目")
    assert [network for network in NETWORKS if f"`{network}`" not in text] == []
