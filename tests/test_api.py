"""The JSON content API, validated against its own published JSON Schemas with jsonschema."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import lxml.html
import pytest

from tests.channel_site import LEAK_MARKERS, PUBLIC, SITE, TRICKY_TITLE, built_site

TYPES = {"cases": "case", "events": "event", "news": "news", "issues": "issue"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory)


def load(site: Path, name: str) -> dict:
    return json.loads((site / name).read_text(encoding="utf-8"))


def validator(site: Path, name: str) -> jsonschema.Draft202012Validator:
    schema = load(site, f"api/schema/{name}.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{SITE}api/schema/{name}.json"
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_the_api_validates_against_its_schema(site: Path, name: str):
    data = load(site, f"api/{name}.json")
    validator(site, name).validate(data)
    assert data["type"] == name and data["count"] == len(data["items"])
    assert [item["url"] for item in data["items"]] == [SITE + url.lstrip("/") for url in PUBLIC[TYPES[name]]]


@pytest.mark.parametrize("name", sorted(TYPES))
def test_the_schemas_are_not_vacuous(site: Path, name: str):
    check = validator(site, name)
    record = load(site, f"api/{name}.json")["items"][0]
    broken = []
    for change in ("drop url", "add draft", "empty title", "date as number"):
        item = copy.deepcopy(record)
        if change == "drop url":
            del item["url"]
        elif change == "add draft":
            item["draft"] = False
        elif change == "empty title":
            item["title"] = ""
        else:
            item["date"] = 20200701
        broken.append(not check.is_valid({"type": name, "count": 1, "items": [item]}))
    assert all(broken)


def test_every_public_field_and_the_url(site: Path):
    case = load(site, "api/cases.json")["items"][0]
    assert case["url"] == SITE + "cases/kodomo-shokudo/" and case["slug"] == "kodomo-shokudo"
    assert case["title"] == '「食」&「学び」 "つながる" 子ども食堂 <試行>'
    assert case["date"] == "2020-07-15T10:00:00+09:00" and case["started"] == "2020-04-01"
    assert case["partners"][0] == {
        "name": "NPO法人 こどもの居場所ネット",
        "type": "npo",
        "url": "https://example.org/npo",
    }
    assert [p["type"] for p in case["partners"]] == ["npo", "community", "company"]
    assert (case["wards"], case["sdgs"], case["status"], case["tags"]) == (
        ["naka", "nishi"],
        [1, 2, 4],
        "ongoing",
        ["子育て", "食"],
    )
    assert "draft" not in case and "sns" not in case
    events = {item["slug"]: item for item in load(site, "api/events.json")["items"]}
    ct = events["channel-test"]
    assert ct["title"] == TRICKY_TITLE and ct["image"] == SITE + "events/images/map.png"
    assert (ct["start"], ct["end"]) == ("2020-08-20T10:00:00+09:00", "2020-08-20T12:00:00+09:00")
    assert ct["updated"] == "2020-07-18T09:30:00+09:00" and ct["all_day"] is False
    assert (events["all-day-fair"]["start"], events["all-day-fair"]["end"]) == ("2020-08-22", "2020-08-23")
    assert events["all-day-fair"]["ends_at"] == "2020-08-24T00:00:00+09:00"
    assert events["trial-studio-cancelled"]["status"] == "cancelled"
    assert events["mirai-link"]["online"] is True
    issue = load(site, "api/issues.json")["items"][0]
    assert issue["datasets"][0]["id"] == "pop" and issue["charts"][0]["y"] == "人口総数[人]"
    news = load(site, "api/news.json")["items"][0]
    assert news["date"] == "2020-07-19T09:30:00+09:00"  # written as 00:30Z: every time in Tokyo


def test_times_parse_and_urls_point_at_built_pages(site: Path):
    for name in TYPES:
        for item in load(site, f"api/{name}.json")["items"]:
            assert dt.datetime.fromisoformat(item["date"]).utcoffset() == dt.timedelta(hours=9)
            assert (site / urlsplit(item["url"]).path.lstrip("/") / "index.html").is_file()
            html = lxml.html.fragment_fromstring(item["body_html"] or "<p></p>", create_parent="div")
            assert html.xpath("//script | //iframe") == []
            for url in html.xpath("//@href | //@src"):
                assert urlsplit(url).scheme in ("http", "https", "mailto"), url


def test_no_draft_or_future_item_in_the_api(site: Path):
    for path in sorted((site / "api").rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        for marker in LEAK_MARKERS:
            assert marker not in text, (path, marker)
