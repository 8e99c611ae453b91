"""``site-builder next-change``: the next moment the public output changes by itself."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from site_builder import pipeline
from site_builder.content import dates
from site_builder.content.select import select_public
from tests.conftest import without_server

FILES = {
    "content/news/later.md": """
        ---
        title: 予約のお知らせ
        date: 2020-08-01T09:00
        summary: 8月に公開
        ---
        本文
        """,
    "content/news/draft.md": """
        ---
        title: 下書き
        date: 2020-07-21
        draft: true
        summary: 下書き
        ---
        本文
        """,
    "events/forum.md": """
        ---
        title: フォーラム
        date: 2020-07-01
        summary: 公開中のイベント
        start: 2020-07-25T14:00
        end: 2020-07-25T16:30
        venue: 協働ラボ
        ---
        本文
        """,
    "events/report.md": """
        ---
        title: 開催報告
        date: 2020-08-10
        summary: 終わったイベントを後から掲載
        start: 2020-07-22
        venue: 協働ラボ
        ---
        本文
        """,
    "events/day.md": """
        ---
        title: 終日イベント
        date: 2020-07-01
        summary: 終日
        start: 2020-08-05
        venue: 協働ラボ
        ---
        本文
        """,
}


@pytest.fixture
def root(project) -> Path:
    return without_server(project(FILES))  # with server_url, a rebuild comes weekly (tests/test_site_forms.py)


def next_change(run_cli, root: Path, now: str) -> str:
    code, out, err = run_cli("--root", root, "next-change", "--now", now)
    assert code == 0, err
    return out.strip()


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2020-07-20T12:00", "2020-07-25T16:30:00+09:00"),  # the forum ends (the draft dated 07-21 does not count)
        ("2020-07-25T16:30", "2020-08-01T09:00:00+09:00"),  # the scheduled news item is published
        ("2020-08-01T09:00", "2020-08-06T00:00:00+09:00"),  # the all-day event (08-05) is over at midnight
        (
            "2020-08-06T00:00",
            "2020-08-10T00:00:00+09:00",
        ),  # the report appears (its event ended before: no second change)
        ("2020-08-10T00:00", "none"),
    ],
)
def test_next_change(run_cli, root: Path, now: str, expected: str):
    assert next_change(run_cli, root, now) == expected


def test_the_public_output_really_changes_at_that_moment(run_cli, root: Path):
    now = dates.as_instant(dates.parse_time("2020-07-20T12:00"))
    moment = dt.datetime.fromisoformat(next_change(run_cli, root, "2020-07-20T12:00"))
    _, content, _ = pipeline.load(root, now)

    def public_state(at: dt.datetime):
        published = select_public(content, at)
        return [e.url for e in published.items()], [e.url for e in published.upcoming_events]

    assert public_state(now) == public_state(moment - dt.timedelta(seconds=1))
    assert public_state(moment) != public_state(moment - dt.timedelta(seconds=1))


def test_now_from_the_environment(run_cli, root: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2020, 7, 26, tzinfo=dt.UTC).timestamp())))
    monkeypatch.delenv("SITE_BUILDER_NOW", raising=False)
    code, out, _ = run_cli("--root", root, "next-change")
    assert (code, out) == (0, "2020-08-01T09:00:00+09:00\n")


def test_content_errors_are_listed_and_exit_1(run_cli, root: Path):
    (root / "events" / "broken.md").write_text(
        "---\ntitle: 壊れた\ndate: 2020-07-01\nsummary: x\nstart: someday\nvenue: x\n---\n", encoding="utf-8"
    )
    code, out, err = run_cli("--root", root, "next-change", "--now", "2020-07-20")
    assert code == 1 and out == ""
    assert "events/broken.md:5: start: expected a date like 2020-07-15 or 2020-07-15T10:00, got 'someday'" in err


def test_help_says_what_is_printed(run_cli, capsys):
    with pytest.raises(SystemExit):
        run_cli("next-change", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "ISO 8601" in text and "'none'" in text and "Exit status" in text


# --- the deploy workflow's scheduled check, run with a stand-in for the gh CLI -------------

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "deploy.yml"


def run_decide(root: Path, tmp_path: Path, event: str, last_deployment: str) -> str:
    steps = yaml_load(WORKFLOW)["jobs"]["build"]["steps"]
    script = next(step for step in steps if step.get("id") == "decide")["run"]
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    (stubs / "gh").write_text(f"#!/bin/sh\necho '{last_deployment}'\n", encoding="utf-8")
    (stubs / "gh").chmod(0o755)
    (root / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    (root / ".venv" / "bin" / "site-builder").symlink_to(Path(sys.executable).with_name("site-builder"))
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "EVENT": event,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REPOSITORY": "center/site",
        "GH_TOKEN": "unused",
    }
    env.pop("SITE_BUILDER_NOW", None)
    env.pop("SOURCE_DATE_EPOCH", None)
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return output.read_text(encoding="utf-8").strip()


def test_workflow_builds_with_the_repositorys_own_commands():
    workflow = yaml_load(WORKFLOW)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) >= {"push", "schedule"} and triggers["schedule"][0]["cron"]
    runs = "\n".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    assert "pip install --quiet ." in runs and "site-builder build --site-dir site" in runs
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)


def yaml_load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "event, last, expected",
    [
        ("push", "", "deploy=true"),
        ("schedule", "", "deploy=true"),  # never deployed
        ("schedule", "2020-07-20T03:00:00Z", "deploy=true"),  # the forum ended since (2020-07-25)
        ("schedule", "2999-01-01T00:00:00Z", "deploy=false"),  # the next change (2999-06-01) is still to come
    ],
)
def test_the_scheduled_check_deploys_only_after_a_change(
    root: Path, tmp_path: Path, event: str, last: str, expected: str
):
    (root / "content" / "news" / "far.md").write_text(
        "---\ntitle: 遠い未来\ndate: 2999-06-01\nsummary: x\n---\n", encoding="utf-8"
    )
    assert run_decide(root, tmp_path, event, last) == expected
