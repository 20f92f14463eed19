"""The alerts API's coded reasons, made ready for a page to word in its language: an alert's
and its moments' (the task page), a webhook endpoint's disabling (the operations page).

The API gives each reason a stable ``code``, the figures that code names and an English
``text`` (docs/alerts.md). A page words a reason from its code only when the console knows
the code and the reason carries every figure the wording needs; any other reason (a newer
rule's code, a figure missing, one stored before the codes) is shown as the API's text,
never as a blank and never as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

NUMBER, TEXT, MOMENT = "number", "text", "moment"  # MOMENT: an ISO 8601 date and time
# Each code the console words, and the figures its wording reads.
WORDED: dict[str, dict[str, str]] = {
    "negative_valence": {"valence": NUMBER},
    "nps_detractor": {"nps": NUMBER},
    "csat_dissatisfied": {"csat": NUMBER},
    "ces_high_effort": {"ces": NUMBER},
    "failed_interaction": {},
    "relationship_nps_detractor": {"nps": NUMBER},
    "wait_over_threshold": {},
    "repeat_contact": {},
    "many_transfers": {"transfers": NUMBER},
    "lxi_fell": {"points": NUMBER, "window_days": NUMBER, "highest": NUMBER, "lxi_after": NUMBER},
    "lxi_below_floor": {"floor": NUMBER, "lxi_before": NUMBER, "lxi_after": NUMBER},
    "negative_rate": {
        "rate": NUMBER,
        "window_seconds": NUMBER,
        "negatives": NUMBER,
        "total": NUMBER,
    },
    "negative_rate_target": {"target": NUMBER},
    "term_rising": {
        "term": TEXT,
        "recent": NUMBER,
        "recent_total": NUMBER,
        "recent_days": NUMBER,
        "base": NUMBER,
        "base_total": NUMBER,
        "baseline_days": NUMBER,
        "g2": NUMBER,
    },
}


# Why a webhook endpoint is disabled (the endpoint's coded_disabled_reason).
DISABLED: dict[str, dict[str, str]] = {
    "gone": {"status_code": NUMBER},
    "failing": {"failing_since": MOMENT},
    "disabled_by": {"by": TEXT},
}


def shown(coded: Any, texts: list[str]) -> list[dict[str, Any]]:
    """The reasons to show: ``coded`` (the API's coded reasons) when it is a list, else one
    per English text of ``texts``. Each has ``worded`` (whether the page words it from its
    code) and ``text`` (what the page shows otherwise)."""
    if not isinstance(coded, list) or not coded:
        return [{"worded": False, "text": str(text)} for text in texts]
    return [_shown(reason) for reason in coded]


def _shown(reason: Any, worded: Mapping[str, dict[str, str]] = WORDED) -> dict[str, Any]:
    if not isinstance(reason, dict):
        return {"worded": False, "text": str(reason)}
    text = reason.get("text") or reason.get("code") or ""
    return {**reason, "worded": _wordable(reason, worded), "text": str(text)}


def _wordable(reason: dict[str, Any], worded: Mapping[str, dict[str, str]]) -> bool:
    code = reason.get("code")
    figures = worded.get(code) if isinstance(code, str) else None
    return figures is not None and all(_fits(reason.get(n), kind) for n, kind in figures.items())


def _fits(value: Any, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == MOMENT:
        return isinstance(value, str) and _moment(value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _moment(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def disabled(endpoint: dict[str, Any]) -> dict[str, Any]:
    """``endpoint`` (the alerts API's) with why it is disabled, ready to word
    (``disabled_shown``: ``worded`` and ``text``, as each reason above)."""
    coded = endpoint.get("coded_disabled_reason")
    text = endpoint.get("disabled_reason") or ""
    found = _shown({**coded, "text": text}, DISABLED) if isinstance(coded, dict) else None
    endpoint["disabled_shown"] = found or {"worded": False, "text": text}
    return endpoint


def prepare(alert: dict[str, Any]) -> dict[str, Any]:
    """``alert`` (the API's detail) with the reasons of its summary (``summary_shown``: none
    when the API gave no codes, the summary's text is shown as it is) and of each moment
    (``reasons_shown``)."""
    coded = alert.get("summary_reasons")
    alert["summary_shown"] = shown(coded, []) if coded else []
    for moment in alert.get("moments", []):
        details = moment.get("details") or {}
        texts = details.get("reasons") or []
        moment["reasons_shown"] = shown(details.get("coded_reasons"), list(texts))
    return alert
