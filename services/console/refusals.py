"""The APIs' field errors, made ready for a page to word in its language: a task form's
(beside its field), an uploaded document's (beside its line).

Each field error of a 422 has an English ``message`` and, for most, a stable ``code`` with
the ``params`` its wording needs (docs/operations.md#errors). A page words an error from
its code only when the console knows the code and the error carries every param the
wording needs; any other (a newer code, a param missing, no code) shows "Refused by the
API:" and the API's message, never a blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NUMBER, TEXT, VALUES = "number", "text", "values"  # VALUES: pydantic's 'a', 'b' or 'c'
_ID = {"id": TEXT}
# The codes the console words without a param: pydantic's kinds of value, then the journey
# map's, the alert rules' and a task's own rules.
_PLAIN = (
    *("missing", "extra_forbidden", "timezone_aware", "finite_number", "string_type"),
    *("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"),
    *("bool_parsing", "bool_type", "list_type", "tuple_type", "set_type"),
    *("dict_type", "model_type", "model_attributes_type"),
    *("datetime_parsing", "datetime_type", "datetime_from_date_parsing"),
    *("owner_required", "repeated_language", "not_a_map_language"),
    *("local_time_format", "start_not_before_end", "repeated_window"),
    *("transition_not_allowed", "recontact_before_opening", "recontact_in_future"),
)
# Each code the console words, and the params its wording reads.
WORDED: dict[str, dict[str, str]] = {
    **{code: {} for code in _PLAIN},
    "string_too_short": {"min_length": NUMBER},
    "string_too_long": {"max_length": NUMBER},
    "too_short": {"min_length": NUMBER},
    "too_long": {"max_length": NUMBER},
    "greater_than": {"gt": NUMBER},
    "greater_than_equal": {"ge": NUMBER},
    "less_than": {"lt": NUMBER},
    "less_than_equal": {"le": NUMBER},
    "string_pattern_mismatch": {"pattern": TEXT},
    "enum": {"expected": VALUES},
    "literal_error": {"expected": VALUES},
    **{code: _ID for code in ("unknown_touchpoint", "unknown_department", "unknown_persona")},
    **{code: _ID for code in ("duplicate_id", "duplicate_stage", "reserved_id")},
    **{code: _ID for code in ("unknown_root_cause", "unknown_referent")},
    "repeated_keyword": {"language": TEXT, "keyword": TEXT},
    "duplicate_question": _ID,
    "repeated_question_kind": {"kind": TEXT},
    "missing_translation": {"language": TEXT},
    "sla_hours_incomplete": {"missing": TEXT},
    "sla_hours_out_of_range": {"le": NUMBER},
    "window_out_of_range": {"ge": NUMBER, "le": NUMBER},
}
# Patterns a person is told in words rather than shown: the APIs' ids and email addresses.
PATTERNS = {r"^[a-z0-9][a-z0-9_.-]*$": "id", r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "email"}


def shown(error: Mapping[str, Any]) -> dict[str, Any]:
    """One of the API's field errors, ready to word: ``code`` (``None`` when the page shows
    ``message`` instead), ``params`` (``expected`` as a list of values, ``pattern`` with its
    ``form`` where the page words it) and ``message``."""
    code, params = error.get("code"), error.get("params")
    params = dict(params) if isinstance(params, dict) else {}
    message = str(error.get("message") or "")
    needs = WORDED.get(code) if isinstance(code, str) else None
    if needs is None or not all(_fits(params.get(name), kind) for name, kind in needs.items()):
        return {"code": None, "params": {}, "message": message}
    if needs.get("expected") == VALUES:
        params["expected"] = re.findall(r"'([^']*)'", params["expected"])
    if "pattern" in needs:
        params["form"] = PATTERNS.get(params["pattern"])
    return {"code": code, "params": params, "message": message}


def _fits(value: Any, kind: str) -> bool:
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == VALUES:
        return isinstance(value, str) and bool(re.search(r"'[^']*'", value))
    return isinstance(value, str)
