"""The forms' shared definitions and the form token (site_builder/content/forms.py)."""

import os
import stat
import threading

import pytest

from site_builder.content import forms
from site_builder.content.wards import WARDS

SECRET = b"s" * 32


def test_a_token_is_accepted_for_its_form_within_its_age():
    token = forms.form_token(SECRET, "intake", 1_000_000)
    assert forms.check_form_token(SECRET, "intake", token, 1_000_000 + 3_600, 86_400) is None


@pytest.mark.parametrize(
    ("token", "now", "problem"),
    [
        ("", 1_000_100, "missing"),
        ("1000000.intake", 1_000_100, "malformed"),
        ("x.intake.00", 1_000_100, "malformed"),
        ("１０００.intake.00", 1_000_100, "malformed"),
        ("1000000.intake.あ", 1_000_100, "malformed"),  # compare_digest takes ASCII only
        ("1000000.intake." + "0" * 64, 1_000_100, "forged"),
        (forms.form_token(SECRET, "newsletter", 1_000_000), 1_000_100, "forged"),
        (forms.form_token(b"other", "intake", 1_000_000), 1_000_100, "forged"),
        (forms.form_token(SECRET, "intake", 1_000_000), 1_000_000 + 86_401, "expired"),
        (forms.form_token(SECRET, "intake", 1_000_000), 1_000_000 - 3_600, "future"),
    ],
)
def test_a_token_from_elsewhere_or_too_old_says_what_is_wrong(token, now, problem):
    assert forms.check_form_token(SECRET, "intake", token, now, 86_400) == problem


def test_without_the_variable_one_secret_is_made_per_state_folder_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv(forms.SECRET_ENV, raising=False)
    made: list[bytes] = []
    threads = [threading.Thread(target=lambda: made.append(forms.form_secret(tmp_path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 1 and len(made[0]) == 64
    assert stat.S_IMODE(os.stat(tmp_path / forms.SECRET_FILE).st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == [forms.SECRET_FILE]
    monkeypatch.setenv(forms.SECRET_ENV, "from-the-operator")
    assert forms.form_secret(tmp_path) == b"from-the-operator"


def test_the_intake_form_offers_the_desk_kinds_and_every_ward():
    assert [label for _, label in forms.INTAKE.field("kind").choices] == [
        "協働の相談",
        "市民活動の相談",
        "スペース利用",
        "協働の提案",
    ]
    assert set(WARDS.values()) <= {label for _, label in forms.INTAKE.field("wards").choices}
    assert all(field.max_chars > 0 for form in forms.FORMS.values() for field in form.fields)
