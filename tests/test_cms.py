"""The web editing form (/admin/, Decap CMS): its configuration is the content models'.

The generated config.yml names every field of every model with the widget its type
calls for and the model's required flag, offers exactly the values the models allow,
and writes files where and how the contract says; a file written the way the form
writes it passes ``check``. The build ships /admin/ (the pinned bundle, kept by the
pruning step, in no sitemap and no search index) and, without the npm package, builds
the site anyway with one warning.
"""

from __future__ import annotations

import gzip
import inspect
import json
import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from site_builder.cms import admin
from site_builder.cms.config import KINDS, cms_config, config_yaml
from site_builder.content import dates, labels, models
from site_builder.content.field_labels import FIELD_LABELS
from site_builder.content.kinds import SOURCE_FOLDERS
from site_builder.content.post_length import NETWORKS
from site_builder.content.wards import CITYWIDE, WARDS
from site_builder.pipeline import check, load_config
from tests.conftest import PROJECT
from tests.golden import build_sample
from tests.test_heading_ids import read_fragment

# The widget each field's meaning calls for, written out here rather than computed.
WIDGETS = {
    "Item.title": "string",
    "Item.date": "datetime",
    "Item.summary": "text",
    "Item.slug": "string",
    "Item.draft": "boolean",
    "Item.image": "image",
    "Item.image_alt": "string",
    "Item.tags": "list",
    "Item.sns": "list",
    "SnsPost.network": "select",
    "SnsPost.at": "datetime",
    "SnsPost.text": "text",
    "Case.partners": "list",
    "Partner.name": "string",
    "Partner.type": "select",
    "Partner.url": "string",
    "Case.wards": "select",
    "Case.sdgs": "select",
    "Case.status": "select",
    "Case.started": "datetime",
    "Event.start": "datetime",
    "Event.end": "datetime",
    "Event.venue": "string",
    "Event.address": "string",
    "Event.online": "string",
    "Event.capacity": "number",
    "Event.fee": "string",
    "Event.registration": "string",
    "Event.series": "string",
    "Event.status": "select",
    "Event.updated": "datetime",
    "IssuePage.datasets": "list",
    "IssuePage.charts": "list",
    "Dataset.id": "string",
    "Dataset.file": "file",
    "Dataset.source": "string",
    "Dataset.source_url": "string",
    "Dataset.license": "string",
    "Dataset.retrieved": "datetime",
    "Dataset.encoding": "select",
    "Dataset.download_url": "string",
    "Chart.dataset": "string",
    "Chart.type": "select",
    "Chart.x": "string",
    "Chart.y": "list",
    "Chart.title": "string",
    "Chart.caption": "string",
    "Edition.title": "string",
    "Edition.subject": "string",
    "Edition.summary": "text",
    "Edition.date": "datetime",
    "Edition.from": "datetime",
    "Edition.to": "datetime",
    "Edition.draft": "boolean",
}
DATES_ONLY = {"Case.started", "Dataset.retrieved", "Edition.from", "Edition.to"}  # no time of day
URLS = {"Partner.url", "Event.registration", "Dataset.source_url", "Dataset.download_url"}
SLUGS = {"Item.slug", "Event.series", "Dataset.id"}


@pytest.fixture(scope="module")
def config():
    return load_config(PROJECT)


@pytest.fixture(scope="module")
def collections(config) -> dict[str, dict]:
    return {collection["folder"]: collection for collection in cms_config(config)["collections"]}


def owner(model: type[BaseModel], name: str) -> str:
    """The most basic class that declares the field, as field_labels.py keys it."""
    return [cls for cls in model.__mro__ if name in vars(cls).get("__annotations__", {})][-1].__name__


def nested_model(annotation: object) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    found = [nested_model(arg) for arg in typing.get_args(annotation)]
    return next((model for model in found if model), None)


def walk(model: type[BaseModel], fields: list[dict]) -> list[tuple[str, dict, object]]:
    """``(key, form field, model field)`` of every field of ``model`` and the models inside it."""
    by_name = {field["name"]: field for field in fields}
    found = []
    for name, info in model.model_fields.items():
        written = info.alias or name
        assert written in by_name, f"{model.__name__}.{written} is not in the form"
        key, field = f"{owner(model, name)}.{written}", by_name[written]
        found.append((key, field, info))
        inner = nested_model(info.annotation)
        if inner is not None:
            found += walk(inner, field["fields"])
    return found


def every_field(collections) -> list[tuple[str, dict, object]]:
    return [found for kind in KINDS for found in walk(kind.model, collections[kind.folder]["fields"])]


def test_every_model_field_is_in_the_form_with_its_widget_and_required_flag(collections):
    seen = set()
    for key, field, info in every_field(collections):
        seen.add(key)
        assert field["widget"] == WIDGETS[key], key
        assert field["required"] is info.is_required(), key
        assert field["label"] == FIELD_LABELS[key].label, key
        assert field.get("hint", "") == FIELD_LABELS[key].hint, key
        if field["widget"] == "datetime":
            assert field["picker_utc"] is False, key
            assert field["format"] == ("YYYY-MM-DD" if key in DATES_ONLY else "YYYY-MM-DDTHH:mm"), key
        if key in URLS:
            assert field["pattern"][0] == models.URL_PATTERN.pattern, key
        if key in SLUGS:
            assert field["pattern"][0] == models.SLUG_PATTERN.pattern, key
    assert seen == set(WIDGETS)  # every model's every field, none left over in the table
    assert set(FIELD_LABELS) == seen | {"body"}  # and no label of a field that is gone
    assert len(seen) == 54


def test_each_collection_ends_with_the_markdown_body(collections):
    for kind in KINDS:
        fields = collections[kind.folder]["fields"]
        names = [field["name"] for field in fields]
        assert "body" in names and names.count("body") == 1
        body = fields[names.index("body")]
        assert body["widget"] == "markdown" and body["required"] is False
        assert body["modes"][0] == "raw"  # Markdown typed in stays Markdown
        assert body["sanitize_preview"] is True  # the preview is cleaned (DOMPurify), whoever wrote the body


def test_required_flags_follow_the_models_in_both_directions(collections):
    fields = dict((key, field) for key, field, _ in every_field(collections))
    assert fields["Item.title"]["required"] and fields["Case.partners"]["required"]
    assert fields["Case.status"]["required"] and fields["Event.start"]["required"]
    assert not fields["Event.status"]["required"] and fields["Event.status"]["default"] == "scheduled"
    assert not fields["Item.slug"]["required"] and not fields["Item.image_alt"]["required"]
    assert fields["Case.partners"]["min"] == 2
    assert fields["IssuePage.datasets"]["min"] == 1 and fields["Chart.y"]["min"] == 1
    assert fields["Event.capacity"]["min"] == 1 and fields["Event.capacity"]["value_type"] == "int"


def options(field: dict) -> dict:
    return {option["value"]: option["label"] for option in field["options"]}


def literal_values(annotation: object) -> list:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [value for arg in typing.get_args(annotation) for value in literal_values(arg)]


def test_the_choices_are_exactly_what_the_models_allow(collections):
    fields = dict((key, field) for key, field, _ in every_field(collections))
    selects = {key: field for key, field in fields.items() if field["widget"] == "select"}
    assert set(selects) == {
        "SnsPost.network",
        "Partner.type",
        "Case.wards",
        "Case.sdgs",
        "Case.status",
        "Event.status",
        "Dataset.encoding",
        "Chart.type",
    }
    assert options(selects["Case.wards"]) == {**WARDS, CITYWIDE: "市内全域"}  # 区名 as labels
    assert list(options(selects["Case.wards"]).values())[:2] == ["鶴見区", "神奈川区"]
    assert options(selects["Case.sdgs"]) == {n: f"目標{n} {labels.SDGS[n]}" for n in range(1, 18)}
    assert options(selects["Case.status"]) == labels.CASE_STATUS
    assert options(selects["Event.status"]) == labels.EVENT_STATUS
    assert options(selects["Partner.type"]) == labels.PARTNER_TYPES
    assert list(options(selects["SnsPost.network"])) == list(NETWORKS)
    assert selects["Case.wards"]["multiple"] and selects["Case.sdgs"]["multiple"]
    assert "multiple" not in selects["Case.status"]
    # Every Literal of every model is offered, value for value.
    for key, field in selects.items():
        model_name, name = key.split(".")
        model = getattr(models, model_name)
        info = next(info for field_name, info in model.model_fields.items() if (info.alias or field_name) == name)
        allowed = literal_values(info.annotation)
        if allowed:
            assert list(options(field)) == allowed, key


def test_collections_write_the_contract_folders_and_files(config, collections):
    data = cms_config(config)
    assert data["locale"] == "ja" and data["publish_mode"] == "editorial_workflow"
    assert data["slug"]["encoding"] == "ascii"
    assert "local_backend" not in data
    assert sorted(collections) == sorted(kind.folder for kind in KINDS)
    assert {"cases", "events", "content/news", "content/issues", "content/newsletter"} == set(collections)
    for kind in KINDS:
        collection = collections[kind.folder]
        assert collection["extension"] == "md" and collection["format"] == "frontmatter", kind.name
        assert collection["create"] is True
        media = Path(kind.folder) / collection["media_folder"]
        assert media.parts[0] in SOURCE_FOLDERS and not collection["media_folder"].startswith("/")
        assert collection["public_folder"] == collection["media_folder"]  # written relative to the entry
        assert collection["preview_path"] == kind.url_prefix.lstrip("/") + "{{slug}}/"
    for folder in ("cases", "events", "content/news", "content/issues"):  # the file name is the slug typed
        assert collections[folder]["identifier_field"] == "slug" and collections[folder]["slug"] == "{{slug}}"
    assert collections["content/newsletter"]["slug"] == "{{fields.date | date('YYYY-MM-DD')}}"


def test_the_backend_comes_from_the_settings(project):
    root = project()
    text = (
        (root / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .replace(
            "    cms_branch: main\n",
            "    cms_branch: publish\n    cms_base_url: https://oauth.example.org\n    cms_auth_endpoint: api/auth\n"
            "    cms_auth_scope: public_repo\n",
        )
    )
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    data = cms_config(load_config(root))
    assert data["backend"] == {
        "name": "github",
        "repo": "yokohama-kyodo/site",
        "branch": "publish",
        "base_url": "https://oauth.example.org",
        "auth_endpoint": "api/auth",
        "auth_scope": "public_repo",
        "squash_merges": True,
    }


def test_local_editing_turns_on_the_local_backend(config):
    assert cms_config(config, local_backend=True)["local_backend"] is True
    served = cms_config(config, local_backend=True, proxy_url="http://127.0.0.1:8082/api/v1")["local_backend"]
    assert served == {"url": "http://127.0.0.1:8082/api/v1", "allowed_hosts": ["localhost", "127.0.0.1"]}
    text = config_yaml(config, local_backend=True)
    assert yaml.safe_load(text)["local_backend"] is True


def test_the_config_text_has_no_yaml_anchors(config):
    text = config_yaml(config)
    assert not re.search(r"[&*]id\d+", text)
    assert yaml.safe_load(text) == cms_config(config)


def test_the_form_s_time_formats_are_the_contract_s(collections):
    """dayjs tokens → an example value the widget writes, read by the content's own reader."""
    written = {"YYYY-MM-DDTHH:mm": "2027-01-23T13:30", "YYYY-MM-DD": "2027-01-23"}
    formats = {field["format"] for _, field, _ in every_field(collections) if field["widget"] == "datetime"}
    assert formats == set(written)
    timed = dates.parse_time(written["YYYY-MM-DDTHH:mm"])
    assert timed.tzinfo == dates.TOKYO and (timed.hour, timed.minute) == (13, 30)  # no offset: Asia/Tokyo
    assert not hasattr(dates.parse_time(written["YYYY-MM-DD"]), "hour")


FORM_CASE = {
    "title": "フォームから書いた協働事例",
    "slug": "form-case",
    "date": "2020-07-01T10:00",
    "summary": "ブラウザのフォームから作った事例です。",
    "partners": [{"name": "NPO法人テスト", "type": "npo"}, {"name": "テスト大学", "type": "university"}],
    "wards": ["naka"],
    "sdgs": [11],
    "status": "ongoing",
    "image": "images/form-case.png",
    "image_alt": "フォームから載せた画像",
    "draft": False,
}
FORM_EVENT = {
    "title": "フォームから書いたイベント",
    "slug": "form-event",
    "date": "2020-07-01T10:00",
    "summary": "ブラウザのフォームから作ったイベントです。",
    "start": "2020-08-01T13:30",
    "end": "2020-08-01T15:00",
    "online": "true",  # a text box writes the word, and the YAML writer quotes it
    "capacity": 30,
    "status": "cancelled",
    "sns": [{"network": "x", "at": "2020-07-02T12:00", "text": "フォームから書いた投稿です。"}],
}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def as_the_form_writes(data: dict, body: str) -> str:
    """Front matter as Decap writes it: YAML of strings, quoted only where YAML needs it."""
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body


def test_files_written_as_the_form_writes_them_pass_check(project, collections):
    cases, events = collections["cases"], collections["events"]
    image = Path(cases["folder"]) / cases["media_folder"] / "form-case.png"  # where the form uploads it
    assert FORM_CASE["image"] == f"{cases['public_folder']}/form-case.png"  # how the form refers to it
    root = project(
        {
            f"{cases['folder']}/form-case.md": as_the_form_writes(FORM_CASE, "## 背景\n\n本文です。\n"),
            f"{events['folder']}/form-event.md": as_the_form_writes(FORM_EVENT, "本文です。\n"),
            image.as_posix(): PNG,
        }
    )
    assert "online: 'true'" in (root / "events/form-event.md").read_text(encoding="utf-8")
    reporter = check(root, dates.as_instant(dates.parse_time("2020-07-20T12:00")))
    assert reporter.messages == []


# --- the build ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("cms"))


def dist() -> Path:
    package = admin.find_package(PROJECT, admin.PACKAGE)
    assert package is not None, "node_modules/decap-cms is missing: run npm ci --ignore-scripts"
    return package / "dist"


def test_the_build_writes_the_admin_page_and_its_config(site):
    page = (site / "admin" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert re.findall(r'<script src="([^"]+)"></script>', page) == ["decap-cms.js", "admin.js", "preview.js"]
    config = yaml.safe_load((site / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["locale"] == "ja" and len(config["collections"]) == 5
    script = (site / "admin" / "admin.js").read_text(encoding="utf-8")
    assert "__LABELS__" not in script and FIELD_LABELS["Item.image_alt"].label in script
    preview = (site / "admin" / "preview.js").read_text(encoding="utf-8")
    assert "registerPreviewStyle" in preview and "'cases'" in preview and "'events'" in preview


def test_the_pinned_bundle_is_shipped_whole_and_survives_pruning(site):
    lock = json.loads((PROJECT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/decap-cms"]["version"] == "3.16.3"
    source = dist()
    chunks = sorted(path.name for path in source.glob("*.decap-cms.js") if path.name[0].isdigit())
    wasm = sorted(path.name for path in source.glob("*.wasm"))
    assert len(chunks) > 40 and len(wasm) == 2
    for name in ["decap-cms.js", "decap-cms.js.LICENSE.txt", *chunks, *wasm]:
        shipped = site / "admin" / name
        assert shipped.is_file(), name  # the pruning step (site/prune.py) kept what no page names
        original = (source / name).read_bytes()
        if name.endswith(".js"):  # as published, but for the comment naming the map that is not shipped
            kept, _, mapped = original.rpartition(b"//# sourceMappingURL=")
            assert mapped.strip() == f"{name}.map".encode() and shipped.read_bytes() == kept, name
        else:
            assert shipped.read_bytes() == original, name
    shipped = {path.name for path in (site / "admin").iterdir()}
    assert not [name for name in shipped if name.endswith(".map")]
    assert not [name for name in shipped if name.startswith("cms.") or ".cms." in name]  # the other build
    size = sum(path.stat().st_size for path in (site / "admin").iterdir())
    assert size < 8 * 1024 * 1024


def test_the_admin_page_is_in_no_sitemap_and_no_search_index(site):
    assert "/admin/" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/admin/" not in gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode("utf-8")
    fragments = [read_fragment(path) for path in sorted((site / "pagefind").rglob("*.pf_fragment"))]
    assert len(fragments) > 5 and not [fragment["url"] for fragment in fragments if "admin" in fragment["url"]]


def fake_package(folder: Path, version: str, locked: str | None) -> None:
    package = folder / "node_modules" / admin.PACKAGE
    (package / "dist").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": admin.PACKAGE, "version": version}), encoding="utf-8")
    (package / "dist" / "decap-cms.js").write_text("/* a stand-in */", encoding="utf-8")
    if locked:
        lock = {"packages": {f"node_modules/{admin.PACKAGE}": {"version": locked}}}
        (folder / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")


@pytest.fixture
def no_tool_package(tmp_path, monkeypatch) -> Path:
    """site-builder's own checkout without node_modules (as after a plain git clone)."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.setattr(admin, "TOOL_FOLDER", checkout)
    return checkout


def test_without_the_package_the_site_is_built_with_one_warning(project, no_tool_package, run_cli, tmp_path):
    root = project({"content/news/a.md": "---\ntitle: お知らせ\ndate: 2020-07-01\nsummary: 要約\n---\n本文\n"})
    code, _, err = run_cli("--root", root, "build", "--quiet", "--site-dir", tmp_path / "out")
    assert code == 0, err
    assert (tmp_path / "out" / "news" / "a" / "index.html").is_file()
    assert not (tmp_path / "out" / "admin").exists()
    assert err.splitlines() == [
        "warning: /admin/ (web editing) left out: node_modules/decap-cms is missing; "
        f"run `npm ci --ignore-scripts` in {no_tool_package} (or `make preview`, which runs it)"
    ]
    code, _, err = run_cli("--lang", "ja", "--root", root, "build", "--quiet", "--site-dir", tmp_path / "out")
    assert code == 0 and err.startswith(
        "注意: 編集画面 /admin/ は作りませんでした。node_modules/decap-cms がありません。"
    )


def test_a_package_other_than_the_locked_one_is_not_shipped(project, no_tool_package, run_cli, tmp_path):
    fake_package(no_tool_package, "3.0.0", "3.16.3")
    root = project()
    code, _, err = run_cli("--root", root, "build", "--quiet", "--site-dir", tmp_path / "out")
    assert code == 0, err
    assert "node_modules/decap-cms is 3.0.0, package-lock.json says 3.16.3" in err
    assert not (tmp_path / "out" / "admin").exists()


def test_the_project_s_own_package_is_used_first(project, no_tool_package, run_cli, tmp_path):
    root = project()
    fake_package(root, "3.16.3", None)
    code, _, err = run_cli("--root", root, "build", "--quiet", "--site-dir", tmp_path / "out")
    assert code == 0 and err == ""
    assert (tmp_path / "out" / "admin" / "decap-cms.js").read_text(encoding="utf-8") == "/* a stand-in */"


def test_cms_enabled_false_builds_no_admin_and_says_nothing(project, no_tool_package, run_cli, tmp_path):
    root = project()
    text = (
        (root / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .replace("    cms_backend:", "    cms_enabled: false\n    cms_backend:")
    )
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    code, _, err = run_cli("--root", root, "build", "--quiet", "--site-dir", tmp_path / "out")
    assert code == 0 and err == ""
    assert not (tmp_path / "out" / "admin").exists()


def test_the_deploy_installs_the_pinned_package_before_it_builds():
    package = json.loads((PROJECT / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"decap-cms": "3.16.3"}  # what a deploy needs, apart from the test tools
    assert "decap-cms" not in package["devDependencies"] and package["devDependencies"]["decap-server"] == "3.11.3"
    workflow = PROJECT / ".github" / "workflows" / "deploy.yml"
    runs = [
        step.get("run", "") for step in yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    ]
    install = next(index for index, run in enumerate(runs) if run.startswith("npm ci --omit=dev --ignore-scripts"))
    assert install < next(index for index, run in enumerate(runs) if "site-builder build" in run)


def test_every_pull_request_is_checked():
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "check.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    (job,) = workflow["jobs"].values()
    assert job["name"] == "Check content"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-2:] == [".venv/bin/site-builder check", ".venv/bin/site-builder build --site-dir site-preview"]
    (upload,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "site-preview"  # the pull request's site, for reviewers
