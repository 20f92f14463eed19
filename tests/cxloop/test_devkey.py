"""The run's all-scopes key: made unless turned off, beside the keys API_KEYS names; the
secrets kept from run to run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cxloop.devkey import DEV_SCOPES, KEPT_SECRETS, add_dev_key, kept_secret, link_survey_page
from services.actions.config import ActionsSettings
from services.ingest.config import IngestSettings
from shared.config import ServiceSettings, hash_api_key

DEPARTMENT_KEY = {
    "name": "logistics",
    "sha256": hash_api_key("cxk_logistics"),
    "scopes": ["tasks:read"],
    "department": "logistics",
}


def configured() -> dict[str, frozenset[str]]:
    return {key.sha256: key.scopes for key in ServiceSettings().api_keys}


def test_without_api_keys_the_run_has_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEYS", "")  # restored afterwards, unlike a delenv of nothing

    lines = add_dev_key(tmp_path)

    key = (tmp_path / "dev-api-key").read_text().strip()
    assert configured() == {hash_api_key(key): frozenset(DEV_SCOPES)}
    assert lines == [
        f"  API key (all scopes) for this run: {key}  (also in {tmp_path}/dev-api-key)"
    ]


def test_api_keys_keep_theirs_and_the_run_key_is_added_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEYS", json.dumps([DEPARTMENT_KEY]))

    lines = add_dev_key(tmp_path)

    key = (tmp_path / "dev-api-key").read_text().strip()
    assert configured() == {
        DEPARTMENT_KEY["sha256"]: frozenset({"tasks:read"}),
        hash_api_key(key): frozenset(DEV_SCOPES),
    }
    assert key in lines[0]
    assert lines[1] == "  It works beside the 1 of API_KEYS (--no-dev-key leaves it out)."


def test_no_dev_key_leaves_api_keys_alone_and_removes_an_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEYS", json.dumps([DEPARTMENT_KEY]))
    (tmp_path / "dev-api-key").write_text("cxk_dev_of_an_earlier_run\n")

    lines = add_dev_key(tmp_path, wanted=False)

    assert json.loads(os.environ["API_KEYS"]) == [DEPARTMENT_KEY]
    assert not (tmp_path / "dev-api-key").exists()
    assert lines == ["  No all-scopes key (--no-dev-key): the 1 of API_KEYS."]


def test_no_key_at_all_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEYS", "")  # restored afterwards, unlike a delenv of nothing

    lines = add_dev_key(tmp_path, wanted=False)

    assert "every /v1 request gets 401" in lines[0]
    assert os.environ["API_KEYS"] == ""


def test_the_run_links_ingest_s_survey_page_to_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACTIONS_URL", "ACTIONS_API_KEY", "SURVEY_PUBLIC_URL"):
        monkeypatch.setenv(name, "")  # restored afterwards, unlike a delenv of nothing
    monkeypatch.setenv("API_KEYS", json.dumps([DEPARTMENT_KEY]))

    link_survey_page({"ingest": 9001, "actions": 9004})

    key = os.environ["ACTIONS_API_KEY"]
    assert configured()[hash_api_key(key)] == frozenset({"surveys:answer"})
    assert configured()[DEPARTMENT_KEY["sha256"]] == frozenset({"tasks:read"})
    assert os.environ["ACTIONS_URL"] == "http://127.0.0.1:9004"
    assert os.environ["SURVEY_PUBLIC_URL"] == "http://127.0.0.1:9001"


def test_a_configured_survey_page_key_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_API_KEY", "cxk_own")
    monkeypatch.setenv("ACTIONS_URL", "https://actions.internal")
    monkeypatch.setenv("SURVEY_PUBLIC_URL", "")
    monkeypatch.setenv("API_KEYS", "")

    link_survey_page({"ingest": 9001, "actions": 9004})

    assert os.environ["ACTIONS_API_KEY"] == "cxk_own"
    assert os.environ["ACTIONS_URL"] == "https://actions.internal"
    assert configured() == {}


@pytest.mark.parametrize("file_name", sorted(KEPT_SECRETS.values()))
def test_the_run_s_secrets_are_made_once_and_kept(tmp_path: Path, file_name: str) -> None:
    made = kept_secret(tmp_path, file_name)

    assert kept_secret(tmp_path, file_name) == made  # a run started again reads what it signed
    assert (tmp_path / file_name).stat().st_mode & 0o777 == 0o600
    assert ServiceSettings(cursor_key=made).cursor_key is not None  # long enough


def test_a_secret_file_too_short_to_sign_is_made_again(tmp_path: Path) -> None:
    (tmp_path / "cursor-key").write_text("\n")

    made = kept_secret(tmp_path, "cursor-key")

    assert len(made) >= 32
    assert (tmp_path / "cursor-key").read_text() == made + "\n"


def test_each_kept_secret_is_a_setting_of_the_services_that_sign_with_it() -> None:
    """A renamed setting would leave its kept secret unread, and the services drawing
    their own at each start."""
    read_by = {
        "CURSOR_KEY": ServiceSettings,
        "SURVEY_TOKEN_SECRET": ActionsSettings,
        "SURVEY_FORM_SECRET": IngestSettings,
    }
    assert read_by.keys() == KEPT_SECRETS.keys()
    for name, settings in read_by.items():
        assert name.lower() in settings.model_fields, name
