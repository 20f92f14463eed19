"""Rendering the hosted survey's pages: one Jinja2 environment per language, its strings from
that language's gettext catalogue (``locale/<lang>/LC_MESSAGES/messages.po``).

The catalogues are compiled in memory when the app starts, so no compiled file is kept in
the repository or built at install.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).parent
LANGUAGES = ("fr", "en")


@dataclass
class Page:
    """What a handler answers: a template, its status and the values it shows."""

    template: str
    language: str
    status: int = 200
    context: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def translations(language: str) -> Translations:
    """The ``language`` catalogue, compiled from its .po file."""
    path = HERE / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


# French puts a space before ? ! : ; and inside « »: a no-break one keeps the mark on the
# line of the word it follows.
_FRENCH_SPACE = re.compile(r"[ \u00a0]+(?=[?!:;»])|(?<=«)[ \u00a0]+")


def french_spacing(text: str | None) -> str | None:
    """``text`` with no-break spaces where French typography wants them."""
    return _FRENCH_SPACE.sub("\u00a0", text) if text else text


def _as_is(text: str | None) -> str | None:
    return text


def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["typeset"] = french_spacing if language == "fr" else _as_is
    return env


class Renderer:
    def __init__(self) -> None:
        self._environments = {language: environment(language) for language in LANGUAGES}

    def render(self, page: Page) -> str:
        template = self._environments[page.language].get_template(page.template)
        return template.render(lang=page.language, **page.context)


def accepted_languages(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(preferences: Iterable[str | None], offered: Iterable[str], default: str) -> str:
    """The first of ``preferences`` (``fr-FR``, ``en``…) whose language is ``offered``."""
    offered = list(offered)
    for preference in preferences:
        primary = (preference or "").replace("_", "-").split("-")[0].strip().lower()
        if primary in offered:
            return primary
    return default
