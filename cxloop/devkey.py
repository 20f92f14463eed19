"""The keys of a local run: the all-scopes API key of one ``cxloop run``, made for the run,
written to ``DATA_DIR/dev-api-key`` and added to the keys ``API_KEYS`` names, if any; the
secrets that sign cursors, invitation links and survey forms, kept from run to run."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from shared.config import hash_api_key

DEV_SCOPES = [
    "events:write",
    "ops:*",
    "tasks:*",
    "policy:*",
    "backlog:*",
    "privacy:*",
    "metrics:read",
    "surveys:answer",
]


def add_dev_key(data_dir: Path, *, wanted: bool = True) -> list[str]:
    """Unless ``wanted`` is false, make this run's key and add its entry to ``API_KEYS`` in
    the environment the services inherit; return the lines that tell what keys the run has.

    ``API_KEYS`` must hold a valid list (``ServiceSettings`` has read it before).
    """
    path = data_dir / "dev-api-key"
    configured: list[object] = json.loads(os.environ.get("API_KEYS") or "[]")
    if not wanted:
        path.unlink(missing_ok=True)  # a key of an earlier run would no longer work
        if configured:
            return [f"  No all-scopes key (--no-dev-key): the {len(configured)} of API_KEYS."]
        return [
            "  No API key at all (--no-dev-key, API_KEYS unset): every /v1 request gets 401;",
            "  `cxloop new-key` makes one for API_KEYS.",
        ]
    key = "cxk_dev_" + secrets.token_urlsafe(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    entry = {"name": "dev", "sha256": hash_api_key(key), "scopes": DEV_SCOPES}
    os.environ["API_KEYS"] = json.dumps([*configured, entry])
    lines = [f"  API key (all scopes) for this run: {key}  (also in {path})"]
    if configured:
        lines.append(
            f"  It works beside the {len(configured)} of API_KEYS (--no-dev-key leaves it out)."
        )
    return lines


# The secrets every process of a run shares and that must outlive a restart, each in its
# file of the data directory: the lists' cursors, the invitation links' tokens (a link sent
# again is the link sent first), the survey form's anti-forgery field (a form shown before
# a restart is taken after it).
KEPT_SECRETS = {
    "CURSOR_KEY": "cursor-key",
    "SURVEY_TOKEN_SECRET": "survey-token-secret",
    "SURVEY_FORM_SECRET": "survey-form-secret",
}


def kept_secret(data_dir: Path, file_name: str) -> str:
    """The secret kept in ``DATA_DIR/file_name``, made there (readable by its owner only) on
    the first run, so that a run started again, or a service restarted, accepts what was
    signed before (cursors, links, forms)."""
    path = data_dir / file_name
    if path.exists() and len(key := path.read_text().strip()) >= 32:
        return key
    key = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(key + "\n")
    return key


def link_survey_page(ports: dict[str, int]) -> None:
    """Let ingest's hosted survey page look invitations up in actions: a key of scope
    ``surveys:answer`` made for the run (``ACTIONS_API_KEY`` for ingest, its entry in
    ``API_KEYS``), actions' address for ingest and ingest's for the links actions makes.
    What the environment sets already (not empty) is kept."""
    for name, port in (("ACTIONS_URL", ports["actions"]), ("SURVEY_PUBLIC_URL", ports["ingest"])):
        os.environ[name] = os.environ.get(name) or f"http://127.0.0.1:{port}"
    if os.environ.get("ACTIONS_API_KEY"):
        return
    key = "cxk_page_" + secrets.token_urlsafe(24)
    configured: list[object] = json.loads(os.environ.get("API_KEYS") or "[]")
    entry = {
        "name": "ingest-survey-page",
        "sha256": hash_api_key(key),
        "scopes": ["surveys:answer"],
    }
    os.environ["API_KEYS"] = json.dumps([*configured, entry])
    os.environ["ACTIONS_API_KEY"] = key
