"""Documents an operator uploads (the journey map, the alert rules), pasted or as a file, in
JSON or YAML: read safely, and each API's field error placed on the line it names."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import yaml

from services.console import refusals
from shared.nesting import TooDeep, yaml_depth

MAX_BYTES = 1_000_000  # the journey map API's own limit
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Unreadable(ValueError):
    """The text is not a JSON or YAML document the console will read: ``code`` says why
    (``empty``, ``too_large``, ``unreadable``, ``alias``, ``too_deep``), ``detail`` is the
    parser's message (English), ``line`` and ``column`` (1-based) where it stopped, when it
    says, and ``name`` an alias's name."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        line: int | None = None,
        column: int | None = None,
        name: str = "",
    ) -> None:
        super().__init__(code, detail)
        self.code, self.detail, self.line, self.column, self.name = code, detail, line, column, name


@dataclass(frozen=True)
class Located:
    """An API's field error, with the line of the document it points at (1-based); its
    ``code`` and ``params`` where the page words it (:func:`refusals.shown`), else ``code``
    is ``None`` and the page shows ``message``."""

    field: str
    message: str
    line: int | None
    text: str  # that line, as typed
    code: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


def read(text: str) -> Any:
    """The document in ``text`` (JSON is read as the YAML it also is).

    :raises Unreadable: empty, too large, not YAML, nested too deep, or using aliases (a
        small document must not expand into a huge one).
    """
    if not text.strip():
        raise Unreadable("empty")
    if len(text.encode()) > MAX_BYTES:
        raise Unreadable("too_large")
    try:
        for event in yaml_depth(yaml.parse(text, Loader=_LOADER)):
            if isinstance(event, yaml.AliasEvent):
                at = event.start_mark
                detail = f"YAML aliases (*{event.anchor}) are not supported{at or ''}"
                raise Unreadable("alias", detail, *_position(at), event.anchor or "")
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except TooDeep as exc:
        raise Unreadable("too_deep", str(exc)) from None
    except yaml.YAMLError as exc:
        # where the parser stopped, not where the construct it was reading began
        at = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise Unreadable("unreadable", str(exc), *_position(at)) from None


def _position(mark: Any) -> tuple[int | None, int | None]:
    """A parser's mark (0-based) as the line and column a person counts, if there is one."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def locate(text: str, errors: list[dict[str, Any]]) -> list[Located]:
    """Each of a 422's ``errors`` with the line its ``field`` (``stages.0.name``) names: the
    deepest node of the path found in ``text`` (a missing field: its parent's line)."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        root = None
    lines = text.splitlines()
    found = []
    for error in errors:
        path = str(error.get("field") or "")
        line = _line_of(root, path.split(".") if path else [])
        shown = lines[line - 1].rstrip() if line and line <= len(lines) else ""
        said = refusals.shown(error)
        found.append(Located(path, said["message"], line, shown, said["code"], said["params"]))
    return found


def _line_of(node: yaml.Node | None, path: list[str]) -> int | None:
    if node is None:
        return None
    line = int(node.start_mark.line)
    for part in path:
        found = _child(node, part)
        if found is None:
            break
        line, node = found
    return line + 1


def _child(node: yaml.Node, part: str) -> tuple[int, yaml.Node] | None:
    """The node at ``part`` under ``node`` and its line (0-based; a mapping's: its key's)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == part:
                return int(key.start_mark.line), value
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        item = node.value[int(part)]
        return int(item.start_mark.line), item
    return None
